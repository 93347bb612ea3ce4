package console_test

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"posagent/sync/centre/centretest"
)

var alertText = regexp.MustCompile(`<p class="alert error" role="alert">([^<]*)</p>`)

// A bad query on the transactions, sample, settlement and look-ups pages says in
// the page's language which field was wrong, from the console's texts,
// never with the parser's English error (which quotes the bad value).
func TestBadQueriesSayWhichFieldInThePagesLanguage(t *testing.T) {
	c := centretest.Start(t)
	c.Users()
	b := newBrowser(t, c.URL())
	b.mustLogin(centretest.SupervisorName, centretest.SupervisorPassword)
	cases := []struct{ path, zh, en string }{
		{"/console/?from=nonsense", "查询条件有误：起始日期格式应为 YYYY-MM-DD", "Bad search: From must be YYYY-MM-DD"},
		{"/console/?to=nonsense", "查询条件有误：截止日期格式应为 YYYY-MM-DD", "Bad search: To must be YYYY-MM-DD"},
		{"/console/?from=2025-03-02&to=2025-03-01", "查询条件有误：起始日期不得晚于截止日期", "Bad search: From must not be after To"},
		{"/console/?kind=nonsense", "查询条件有误：类型应为收费、撤销、预结算或拒绝", "Bad search: Kind must be charge, void, quote or refusal"},
		{"/console/?min_yuan=nonsense", "查询条件有误：个人账户不低于（元）应为金额，例如 12.50", "Bad search: Account at least (yuan) must be an amount in yuan, such as 12.50"},
		{"/console/?code=nonsense", "查询条件有误：原因或标记代码应为大写字母、数字和下划线，例如 SPLIT_DAILY_AMOUNT",
			"Bad search: Reason or flag code must be capital letters, digits and underscores, such as SPLIT_DAILY_AMOUNT"},
		{"/console/?min_yuan=7&max_yuan=6", "查询条件有误：最低金额高于最高金额", "Bad search: the lowest amount is above the highest"},
		{"/console/?before=nonsense", "查询条件有误：翻页链接有误，请重新查询", "Bad search: the page link is malformed; search again"},
		{"/console/sample?from=nonsense", "查询条件有误：请填写药店", "Bad search: Pharmacy is required"},
		{"/console/sample?pharmacy=P1&from=nonsense&to=2025-03-01", "查询条件有误：起始日期格式应为 YYYY-MM-DD", "Bad search: From must be YYYY-MM-DD"},
		{"/console/sample?pharmacy=P1&from=2025-03-01&to=2025-03-01&seed=nonsense", "查询条件有误：种子应为 0 至 18446744073709551615 的整数",
			"Bad search: Seed must be a whole number from 0 to 18446744073709551615"},
		{"/console/settlement?from=nonsense", "查询条件有误：无法识别的参数 from", "Bad search: unknown parameter from"},
		{"/console/settlement?pharmacy=P1&month=nonsense", "查询条件有误：月份格式应为 YYYY-MM", "Bad search: Month must be YYYY-MM"},
		{"/console/settlement?pharmacy=P1", "查询条件有误：请填写月份", "Bad search: Month is required"},
		{"/console/lookups?without_sale=nonsense", "查询条件有误：只看无销售的应为 1 或 0", "Bad search: Without a sale only must be 1 or 0"},
		{"/console/lookups?card_no=x&card_no=y", "查询条件有误：卡号重复出现", "Bad search: Card no. given more than once"},
	}
	for _, tc := range cases {
		for _, lang := range []struct{ name, want string }{{"zh", tc.zh}, {"en", tc.en}} {
			resp, page := b.get(tc.path + "&lang=" + lang.name)
			m := alertText.FindStringSubmatch(page)
			if resp.StatusCode != http.StatusBadRequest || m == nil {
				t.Errorf("%s in %s: status %d, alert %q; want 400 with an alert", tc.path, lang.name, resp.StatusCode, m)
				continue
			}
			if got := html.UnescapeString(m[1]); got != lang.want {
				t.Errorf("%s in %s: alert %q, want %q", tc.path, lang.name, got, lang.want)
			}
			for _, goText := range []string{"nonsense", "want ", "RFC 3339", "is not before", "unknown parameter \"", "required\""} {
				if strings.Contains(m[1], goText) { // the form itself shows the value given
					t.Errorf("%s in %s: the page shows the parser's error (%q)", tc.path, lang.name, goText)
				}
			}
		}
	}
}
