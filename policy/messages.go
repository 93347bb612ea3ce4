package policy

// Message returns the cashier messages for c, in English and Chinese: what
// happened and what to do. An unknown code gets a generic message.
func Message(c Code) (en, zh string) {
	switch c {
	case CardUnknown:
		return "This card has no insurance account; take payment in cash",
			"未查到该卡的医保账户，请现金支付"
	case CardBlocked:
		return "This card is lost, suspended or blocked; it cannot pay, take payment in cash",
			"该卡已挂失、暂停或被锁定，不能使用医保支付，请现金支付"
	case CardExpired:
		return "This card has expired; ask the holder to renew it, take payment in cash",
			"该卡已过有效期，请持卡人换卡，本次请现金支付"
	case CardInvalid:
		return "The card's data is invalid; check the card and the holder's ID, take payment in cash",
			"卡片信息无效，请核对卡片及身份证件，本次请现金支付"
	case ItemNotCovered:
		return "This item is not covered by medical insurance; pay in cash",
			"该商品不在医保目录内，请现金支付"
	case ItemForbidden:
		return "Health food, cosmetics and daily goods cannot be paid from the insurance account; pay in cash",
			"保健品、化妆品、日用品等不能使用医保个人账户支付，请现金支付"
	case ItemCodeMismatch:
		return "The barcode scanned does not match the item billed; scan the item actually sold",
			"扫描的条码与结算的医保编码不符，请按实际售出商品扫码"
	case PriceAboveCap:
		return "The price is above the insurance payment standard; the difference is paid in cash",
			"售价高于医保支付标准，超出部分请现金支付"
	case RxRequired:
		return "This prescription drug needs a prescription number; enter it or take payment in cash",
			"处方药须录入处方号，请录入处方或现金支付"
	case QtyOverLimit:
		return "The quantity is more than the allowed days of supply; reduce the quantity",
			"数量超过规定的用药天数，请减少数量"
	case DiseaseRestricted:
		return "This drug is only paid for certified chronic-disease patients; pay in cash",
			"该药品限已认定慢特病的参保人使用，请现金支付"
	case AgeRestricted:
		return "This item is restricted by the holder's age; pay in cash",
			"该商品有年龄限制，持卡人不符合，请现金支付"
	case SexRestricted:
		return "This item is restricted to the other sex; pay in cash",
			"该商品有性别限制，持卡人不符合，请现金支付"
	case SplitSupplyOverlap:
		return "The holder still has supply of this drug from an earlier purchase; too early to refill, pay in cash",
			"该药品前次购买的用量尚未用完，暂不能再次使用医保购买，请现金支付"
	case SplitDailyCount:
		return "This card has reached today's purchase count; no more insurance payment today",
			"该卡今日医保购药次数已达上限，今日不能再使用医保支付"
	case SplitDailyAmount:
		return "This card has reached today's insurance amount; pay the rest in cash",
			"该卡今日医保支付金额已达上限，请现金支付"
	case SplitStructuring:
		return "Several purchases today are just under the cap; this sale is flagged for review",
			"今日多笔消费金额接近单笔上限，本笔将提交稽核"
	case CardHoarding:
		return "Many different cards were swiped here in a short time; this sale is flagged for review",
			"本终端短时间内刷了多张不同的医保卡，本笔将提交稽核"
	case OffHours:
		return "Sale outside business hours; this sale is flagged for review",
			"非营业时间刷卡，本笔将提交稽核"
	case IDCheckRequired:
		return "Check the holder's ID against the card and confirm before charging",
			"请核对持卡人身份证件与医保卡是否一致，确认后再结算"
	case BalanceInsufficient:
		return "The account balance is not enough; the rest is paid in cash",
			"个人账户余额不足，不足部分请现金支付"
	case OfflineLimit:
		return "Offline limit reached; the amount above the limit is paid in cash",
			"离线交易已达限额，超出部分请现金支付"
	case RulesStale:
		return "Offline too long and the rules are out of date; insurance payment stopped until the centre is reached, pay in cash",
			"离线时间过长，规则已过期，恢复联网前不能使用医保支付，请现金支付"
	}
	if en, zh, ok := messageSecondEdition(c); ok {
		return en, zh
	}
	return "Insurance payment check: " + string(c),
		"医保支付校验：" + string(c)
}

// messageSecondEdition returns the messages of the codes of SPEC §10 and
// §12.
func messageSecondEdition(c Code) (en, zh string, ok bool) {
	switch c {
	case IDMismatch:
		return "The resident ID on the card is not the account holder's; the card cannot pay, take payment in cash",
			"卡内身份证号与医保账户不一致，不能使用医保支付，请现金支付", true
	case CardProofMissing:
		return "The holder's presence is not proven (magnetic stripe, or the card did not sign); insurance pays at most the limit, the rest is cash",
			"无法证明参保人本人持卡到场（磁条刷卡或卡片未签名），医保支付不超过限额，其余请现金支付", true
	case TraceCodeReused:
		return "This traceability code was already sold; the pack may be resold medicine, it cannot be paid from the account",
			"该药品追溯码已被销售过，可能为回流药，不能使用医保支付", true
	case TraceCodeRequired:
		return "Scan one valid traceability code for each pack sold before insurance payment",
			"医保结算前请为售出的每一盒药品扫描一个有效的药品追溯码", true
	case DesignatedPharmacy:
		return "The chronic-disease supply is only paid at the holder's designated pharmacy; sell at most the ordinary supply here",
			"慢特病长期处方用量仅限在参保人的定点药店结算，本店只能按普通用量销售", true
	case CardWaitingPeriod:
		return "The holder's insurance benefits are still in the waiting period; take payment in cash",
			"参保人尚在待遇等待期，暂不能使用医保支付，请现金支付", true
	case NoPersonalAccount:
		return "This insured person has no personal account; take payment in cash",
			"该参保人没有个人账户，请现金支付", true
	case WatchlistLimit:
		return "This watched drug was bought too often on this card recently; pay in cash",
			"该药品为重点监控药品，该卡近期购买数量已超过限量，请现金支付", true
	case BarcodeRequired:
		return "Scan the barcode of the item sold; insurance payment needs it",
			"请扫描实际售出商品的条码，医保结算须扫码", true
	case ApprovalRequired:
		return "A manager must approve this sale with their own PIN",
			"本笔交易须由店长输入本人密码审批", true
	}
	return "", "", false
}
