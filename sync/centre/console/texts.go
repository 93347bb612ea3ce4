package console

import (
	"posagent/internal/web"
	"posagent/policy"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// texts are the console's texts: key → {Chinese, English}.
var texts = web.Catalogue{
	"app":             {"医保稽核控制台", "Insurance review console"},
	"nav_txns":        {"交易", "Transactions"},
	"nav_terminals":   {"终端", "Terminals"},
	"nav_lookups":     {"账户查询", "Look-ups"},
	"nav_sample":      {"抽样", "Sample"},
	"nav_settlement":  {"清算", "Settlement"},
	"nav_publish":     {"发布规则", "Publish rules"},
	"logout":          {"退出", "Log out"},
	"role_admin":      {"管理员", "administrator"},
	"role_supervisor": {"稽核员", "supervisor"},
	"login_title":     {"稽核员登录", "Supervisor login"},
	"user_name":       {"用户名", "User name"},
	"password":        {"密码", "Password"},
	"login":           {"登录", "Log in"},
	"login_failed":    {"用户名或密码错误", "Wrong user name or password"},
	"login_throttled": {"登录失败次数过多，请稍后再试", "Too many failed login attempts; please try again later"},
	"login_expired":   {"登录页面已过期，请重新输入", "The login page had expired; please enter your details again"},
	"login_bad_form":  {"登录表单有误，请重试", "The login form was malformed; please try again"},
	"storage_error":   {"中心存储出错，请稍后重试", "Centre storage error; please try again later"},
	"internal_error":  {"中心内部错误，请稍后重试", "Internal error; please try again later"},
	"forbidden_title": {"无权访问", "Forbidden"},
	"forbidden_admin": {"只有管理员可以发布规则", "Only an administrator may publish rules"},
	"csrf_failed":     {"表单已过期或来源不明，未做任何更改。请返回后重试。", "The form had expired or did not come from this console; nothing was changed. Go back and try again."},
	"not_found_title": {"未找到", "Not found"},
	"back_to_list":    {"返回交易列表", "Back to transactions"},

	"sample_title":     {"稽核抽样", "Review sample"},
	"sample_rule":      {"按药店和期间抽取收费记录：50 笔及以下全部抽取；51 至 150 笔抽取一半；150 笔以上抽取三分之一（均向上取整）。同一种子再次抽样结果相同。", "Draws a pharmacy's charges of a period: 50 or fewer, all; 51 to 150, half; over 150, a third (rounded up). The same seed draws the same sample again."},
	"seed":             {"种子", "Seed"},
	"seed_blank":       {"留空则随机生成", "blank: a new random one"},
	"sample_draw":      {"抽样", "Draw"},
	"sample_summary":   {"共 %d 笔收费，抽取 %d 笔。", "%d charges, %d drawn."},
	"sample_permalink": {"本样本链接", "Link to this sample"},
	"sample_redraw":    {"重新抽样", "Draw again with a new seed"},
	"sample_none":      {"该期间没有收费记录。", "No charges in this period."},
	"sample_too_large": {"期间内收费记录过多，请缩短期间：", "Too many charges in the period; narrow it: "},

	"settlement_title":     {"月度清算", "Monthly settlement"},
	"settlement_intro":     {"按药店和月份汇总个人账户金额：申报、已记账、暂扣（待审定）、拒付、缓付、撤销退回及应付药店金额。", "A pharmacy's personal-account amounts of a month: claimed, applied, held (awaiting a ruling), refused, deferred, refunded by voids, and payable to the pharmacy."},
	"month":                {"月份", "Month"},
	"settlement_show":      {"生成清算单", "Show statement"},
	"settlement_csv":       {"下载 CSV", "Download CSV"},
	"settlement_all":       {"合计", "Total"},
	"settlement_charges":   {"收费笔数", "Charges"},
	"settlement_voids":     {"撤销笔数", "Voids"},
	"settlement_claimed":   {"申报账户金额", "Claimed"},
	"settlement_applied":   {"已记账", "Applied"},
	"settlement_held":      {"暂扣待审定", "Held"},
	"settlement_refused":   {"拒付", "Refused"},
	"settlement_deferred":  {"缓付", "Deferred"},
	"settlement_refunded":  {"撤销退回", "Refunded"},
	"settlement_payable":   {"应付药店", "Payable"},
	"settlement_none":      {"该月没有收费或撤销记录。", "No charges or voids in this month."},
	"settlement_too_large": {"该月记录过多，无法生成清算单：", "Too many records in the month for a statement: "},

	"txns_title":      {"交易稽核", "Transaction review"},
	"pharmacy":        {"药店", "Pharmacy"},
	"terminal":        {"终端", "Terminal"},
	"card_no":         {"卡号", "Card no."},
	"kind":            {"类型", "Kind"},
	"kind_all":        {"全部", "All"},
	"kind_charge":     {"收费", "Charge"},
	"kind_void":       {"撤销", "Void"},
	"kind_quote":      {"预结算", "Quote"},
	"kind_refusal":    {"拒绝", "Refusal"},
	"from":            {"起始日期", "From"},
	"to":              {"截止日期", "To"},
	"flagged_only":    {"只看可疑", "Flagged only"},
	"apply_filters":   {"查询", "Search"},
	"clear_filters":   {"清除条件", "Clear"},
	"shown_n":         {"显示 %d 条，最新的在前", "%d shown, newest first"},
	"time":            {"时间", "Time"},
	"seq":             {"序号", "Seq"},
	"cashier":         {"收银员", "Cashier"},
	"presence":        {"到场证明", "Presence"},
	"presence_unsaid": {"记录未说明读卡方式", "not said by the record"},
	"source_frame":    {"IC卡", "IC card"},
	"source_track2":   {"磁条刷卡", "magnetic stripe"},
	"source_voucher":  {"医保电子凭证", "e-voucher"},
	"source_":         {"读卡方式未说明", "source not said"},
	"proof_card":      {"卡片签名", "signed by the card, counter"},
	"proof_voucher":   {"电子凭证已核销", "redeemed e-voucher"},
	"proof_":          {"无到场证明", "no proof"},
	"total":           {"金额", "Total"},
	"account":         {"个人账户", "Account"},
	"cash":            {"现金", "Cash"},
	"reasons":         {"原因", "Reasons"},
	"flags":           {"中心标记", "Centre flags"},
	"settled":         {"结算", "Settled"},
	"settled_centre":  {"中心实时", "at centre"},
	"settled_offline": {"离线补传", "offline"},
	"legend_block":    {"拦截", "block"},
	"legend_confirm":  {"须确认", "confirm"},
	"legend_review":   {"待稽核", "review"},
	"legend_flag":     {"中心标记", "centre flag"},
	"legend_row":      {"底色：可疑交易", "shaded: flagged"},
	"detail":          {"详情", "Detail"},
	"older":           {"更早的记录 →", "Older →"},
	"bad_filter":      {"查询条件有误：", "Bad search: "},

	"txn_title":     {"交易", "Transaction"},
	"txn_id":        {"交易号", "Transaction id"},
	"received_at":   {"中心收到", "Received at centre"},
	"balance_after": {"结算后余额", "Balance after"},
	"reverses":      {"撤销的交易", "Reverses"},
	"no_flags":      {"无中心标记", "No centre flags"},
	"no_reasons":    {"无", "None"},
	"evidence":      {"依据", "Evidence"},
	"value":         {"数值", "Value"},
	"txn_not_found": {"没有这笔交易", "No such transaction"},

	"sev_block":   {"拦截（不得由个人账户支付）", "block (not paid from the account)"},
	"sev_confirm": {"须收银员确认", "confirm (cashier must confirm)"},
	"sev_review":  {"已支付，待稽核", "review (paid, flagged for supervisors)"},

	"flag_CHAIN_GAP":       {"流水号断档：终端有记录缺失（可能被删除）", "Chain gap: records are missing from the terminal's journal (possibly deleted)"},
	"flag_CHAIN_BROKEN":    {"哈希链断裂：记录在终端上被改动或重排", "Chain broken: a record was altered or reordered on the terminal"},
	"flag_OVERDRAFT":       {"透支：个人账户余额不足，超出部分暂缓支付", "Overdraft: the balance did not cover it; the excess is held"},
	"flag_BLOCKED_AT_SYNC": {"入账时该卡已挂失、暂停或被锁定，个人账户部分暂缓支付", "Blocked at sync: the card was not active or blocklisted when applied; the account part is held"},
	"flag_VOID_UNMATCHED":  {"撤销不匹配：不是本终端同卡、同金额、同日的交易，未退款", "Void unmatched: not a charge of this terminal, card, amount and day; nothing refunded"},
	"flag_VOID_REPEATED":   {"重复撤销：该交易已撤销过，未再退款", "Void repeated: the charge was already voided; nothing refunded"},

	"flag_BAD_ARITHMETIC":          {"金额不合：明细、合计或个人账户与现金之和对不上，全额暂缓支付", "Bad arithmetic: lines, totals or account plus cash do not add up; all of it is held"},
	"flag_UNKNOWN_RULES_VERSION":   {"规则版本未发布：记录所称的规则版本中心从未发布，全额暂缓支付", "Unknown rules version: the centre never published the version the record names; all of it is held"},
	"flag_BACKDATED":               {"时间过早：记录时间早于离线允许的期限，全额暂缓支付", "Backdated: dated earlier than an offline sale may be; all of it is held"},
	"flag_FUTURE_DATED":            {"时间超前：记录时间晚于中心收到的时间，全额暂缓支付", "Future-dated: dated after the centre received it; all of it is held"},
	"flag_DUPLICATE_TXN":           {"交易号重复：本终端已用过该交易号，全额暂缓支付", "Duplicate txn_id: this terminal already used the id; all of it is held"},
	"flag_POLICY_MISMATCH":         {"规则不符：中心按同一规则和全部药店的购药记录复核，个人账户应付更少，差额暂缓支付", "Policy mismatch: the centre's own decision, with the card's history at every pharmacy, pays less from the account; the difference is held"},
	"flag_OFFLINE_PARTIAL_HISTORY": {"离线未见记录：离线销售时终端看不到其他药店的购药记录，差额暂缓支付", "Offline partial history: sold offline without the card's history at other pharmacies; the difference is held"},
	"flag_CARD_PROOF_MISSING":      {"缺少持卡证明：IC 卡交易由个人账户支付，但记录没有卡片对本笔交易的签名，全额暂缓支付", "Card proof missing: an IC-card charge paid from the account without the card's proof of presence; all of it is held"},
	"flag_CARD_PROOF_INVALID":      {"持卡证明无效：卡片签名不是针对本笔交易，或不是该卡所签，或格式有误，全额暂缓支付", "Card proof invalid: the proof signs another sale, is not the card's cryptogram, or is malformed; all of it is held"},
	"flag_CARD_DATA_MISMATCH":      {"卡片信息不符：记录中从卡片读取的身份证号或姓名与中心参保档案不一致，全额暂缓支付", "Card data mismatch: the resident id or name read from the card is not the account's; all of it is held"},
	"flag_CARD_COUNTER_REPLAY":     {"卡片计数器重复：该卡的同一交易计数器已被另一笔记录使用（证明被重放），全额暂缓支付", "Card counter replayed: another record already used this card's transaction counter (a replayed proof); all of it is held"},

	"held":          {"暂缓支付（个人账户）", "Held (account)"},
	"hold_held":     {"待审定", "awaiting a ruling"},
	"hold_accepted": {"已审定：准予支付", "ruled: accepted"},
	"hold_refused":  {"已审定：拒付", "ruled: refused"},
	"hold_voided":   {"交易已撤销", "charge voided"},

	"hold_deferred":       {"缓付：仍暂缓支付，待再审定", "deferred: still held, awaiting a later ruling"},
	"hold_refuse_pending": {"拒付待复核：须另一位稽核员确认", "refusal awaiting a second supervisor's confirmation"},

	"rulings":              {"审定记录", "Rulings"},
	"no_rulings":           {"尚无审定", "No rulings yet"},
	"ruling_action":        {"审定", "Ruling"},
	"ruling_by":            {"稽核员", "Supervisor"},
	"ruling_note":          {"说明", "Note"},
	"ruling_state":         {"审定后状态", "Hold afterwards"},
	"ruling_at":            {"时间", "Time"},
	"action_accept":        {"准予支付", "accept"},
	"action_refuse":        {"拒付", "refuse"},
	"action_defer":         {"缓付", "defer"},
	"action_confirm":       {"确认拒付", "confirm the refusal"},
	"rule_title":           {"审定暂缓支付金额", "Rule on the held amount"},
	"rule_note_hint":       {"拒付和缓付须填写说明（不超过 500 字）；准予支付和确认可不填。", "Refuse and defer need a note (at most 500 characters); accept and confirm may go without."},
	"rule_submit":          {"提交审定", "Record the ruling"},
	"rule_second_review":   {"超过复核金额的拒付须由另一位稽核员确认后才生效。", "A refusal above the second-review amount takes effect only when another supervisor confirms it."},
	"rule_pending_by":      {"待复核的拒付，提出人：", "Refusal awaiting confirmation, made by: "},
	"rule_pending_mine":    {"这是您提出的拒付，须由另一位稽核员确认或改判。", "You made this refusal: another supervisor must confirm or overrule it."},
	"ruling_note_required": {"拒付和缓付须填写说明，未做任何更改", "Refuse and defer need a note; nothing was changed"},
	"ruling_bad":           {"审定有误（审定类型或说明不合要求），未做任何更改", "The ruling was not valid (its kind or note); nothing was changed"},
	"ruling_own":           {"不能确认或改判自己提出的拒付，须由另一位稽核员处理；未做任何更改", "You cannot confirm or overrule your own refusal; another supervisor must; nothing was changed"},
	"ruling_not_pending":   {"该交易没有待确认的拒付（或已有拒付待确认），未做任何更改", "There is no refusal awaiting confirmation (or one already awaits it); nothing was changed"},
	"ruling_no_hold":       {"该交易没有待审定的暂缓支付金额（可能已由他人审定），未做任何更改", "Nothing held awaits a ruling (another supervisor may have ruled); nothing was changed"},
	"ruled_accepted":       {"已审定：准予支付，暂缓金额已从个人账户扣除", "Ruled: accepted; the held amount was taken from the account"},
	"ruled_refused":        {"已审定：拒付，个人账户未扣款，不予支付", "Ruled: refused; the account was not charged and nothing is payable"},
	"ruled_deferred":       {"已缓付：仍暂缓支付，待再审定", "Deferred: still held, awaiting a later ruling"},
	"ruled_refuse_pending": {"拒付已记录，须另一位稽核员确认后生效", "Refusal recorded; it takes effect when another supervisor confirms it"},

	"terminals_title":   {"终端状态", "Terminals"},
	"last_seen":         {"最后联系", "Last seen"},
	"connected":         {"当前在线", "Connected"},
	"acked_seq":         {"已确认序号", "Acked seq"},
	"rules_version":     {"规则版本", "Rules version"},
	"blocklist_version": {"黑名单版本", "Blocklist version"},
	"rules_error":       {"规则错误", "Rules error"},
	"behind":            {"未更新", "behind"},
	"yes":               {"在线", "yes"},
	"no":                {"离线", "no"},
	"no_terminals":      {"尚无登记的终端", "No terminals enrolled"},
	"latest_bundle":     {"中心最新规则版本：%d", "Latest rules version at the centre: %d"},
	"no_bundle":         {"中心尚未发布规则", "No rules published yet"},
	"journal":           {"本地日志", "Journal"},
	"journal_replaced":  {"日志已被删除或替换（JOURNAL_REPLACED），待续接", "Journal wiped or replaced (JOURNAL_REPLACED); awaiting a rebase"},
	"journal_seen":      {"发现于 %s：终端日志至第 %d 号，中心已确认至第 %d 号", "seen %s: terminal's journal at seq %d, centre at %d"},
	"journal_behind":    {"终端日志落后于中心", "the terminal's journal is behind the centre"},
	"journal_unchained": {"终端日志与中心记录的哈希链不衔接", "the terminal's journal does not link to the centre's chain"},
	"journal_rebased":   {"已续接：%s 由 %s 办理，新日志自第 %d 号之后继续", "Rebased %s by %s: the new journal continues after seq %d"},
	"journal_rebase_do": {"请在中心执行：centre terminal rebase --terminal %s", "At the centre run: centre terminal rebase --terminal %s"},

	"lookups_title":              {"终端账户查询记录", "Account look-ups by terminals"},
	"without_sale_only":          {"只看无销售的", "Without a sale only"},
	"lookup_alerts":              {"预警", "Alerts"},
	"no_lookup_alerts":           {"所选范围内没有预警", "No alerts in this range"},
	"alert_kind":                 {"预警", "Alert"},
	"alert_period":               {"时段", "When"},
	"alert_what":                 {"情况", "What"},
	"alert_show":                 {"查看", "Show"},
	"alert_LOOKUPS_WITHOUT_SALE": {"查询无销售", "look-ups without sales"},
	"alert_SEQUENTIAL_CARDS":     {"连续卡号", "sequential card numbers"},
	"alert_text_LOOKUPS_WITHOUT_SALE": {"当日查询 %d 次，其中 %d 次（%d%%）之后没有销售",
		"%d look-ups that day, %d of them (%d %%) not followed by a sale"},
	"alert_text_SEQUENTIAL_CARDS": {"一小时内查询了 %d 个连续卡号（%s 至 %s），该时段共查询 %d 次",
		"%d consecutive card numbers looked up within an hour (%s to %s); %d look-ups in that time"},
	"lookups_shown_n":        {"显示 %d 条查询，最新的在前", "%d look-ups shown, newest first"},
	"lookup_found":           {"有账户", "Account"},
	"lookup_answer":          {"中心答复", "Answer"},
	"lookup_sale":            {"之后有销售", "Sale followed"},
	"lookup_refused":         {"拒绝（超限）", "refused (over the limit)"},
	"lookup_answered":        {"已答复", "answered"},
	"lookup_answered_proven": {"已答复（持卡证明）", "answered (card proven)"},
	"yes_plain":              {"是", "yes"},
	"no_plain":               {"否", "no"},
	"no_lookups":             {"没有符合条件的查询记录", "No look-ups match"},

	"publish_title":  {"发布规则包", "Publish a rule bundle"},
	"catalogue_csv":  {"药品目录（CSV）", "Catalogue (CSV)"},
	"rules_json":     {"规则（JSON）", "Rules (JSON)"},
	"publish_hint":   {"两个文件会先经校验，再签名为下一个版本并推送到所有在线终端。", "Both files are checked, signed as the next version and pushed to every connected terminal."},
	"publish":        {"签名并发布", "Sign and publish"},
	"published":      {"已发布第 %d 版，正在推送到在线终端", "Version %d published; pushing to connected terminals"},
	"publish_failed": {"未发布：", "Not published: "},
	"publish_files":  {"请选择药品目录和规则两个文件", "Choose both the catalogue and the rules file"},
}

// Msg is a reason's message in the page's language.
func (p page) Msg(r policy.Reason) string {
	en, zh := r.Message, r.MessageZh
	if en == "" || zh == "" {
		en, zh = policy.Message(r.Code)
	}
	if p.Lang == web.En {
		return en
	}
	return zh
}

// SevText explains a severity.
func (p page) SevText(s policy.Severity) string { return p.T("sev_" + string(s)) }

// FlagText explains a centre flag.
func (p page) FlagText(flag string) string { return p.T("flag_" + flag) }

// SettledText says how a charge or void was settled; other kinds move no
// money and show nothing.
func (p page) SettledText(t store.Txn) string {
	if t.Kind != wire.KindCharge && t.Kind != wire.KindVoid {
		return ""
	}
	return p.T("settled_" + t.Settled)
}
