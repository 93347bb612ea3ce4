// Command gen writes the sample catalogue testdata/catalogue.csv: forty
// hand-written items with stable codes D0001–D0040 that tests and demos
// rely on, then generated items D0041 onward across every category. The
// output is the same on every run.
//
// Drugs and traditional medicines sold in packs get trace prefixes (the
// optional trace_prefixes column): item n's packs carry 20-digit trace
// codes starting 81 and n in five digits (8100001…), a second packaging
// 82…. 饮片 sold loose and devices have none.
//
//	go run ./testdata/gen > testdata/catalogue.csv
package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
)

// item is one catalogue row before it is written.
type item struct {
	name, class, category string
	rx                    bool
	cap, selfPay          int64
	days                  string // days_per_unit as written
	maxDays, chronic      int
	diseases              string
	minAge, maxAge        string
	sex                   string
	extraBarcode          bool // a second barcode (old packaging)
	noBarcode             bool // sold loose, no barcode
}

// handWritten are D0001–D0040.
var handWritten = []item{
	{name: "二甲双胍片 0.5g×60片", class: "A", category: "drug", rx: true, cap: 2500, days: "30", diseases: "E11"},
	{name: "苯磺酸氨氯地平片 5mg×28片", class: "A", category: "drug", rx: true, cap: 3000, days: "28", diseases: "I10"},
	{name: "阿托伐他汀钙片 20mg×7片", class: "B", category: "drug", rx: true, cap: 4000, selfPay: 1000, days: "7"},
	{name: "布洛芬缓释胶囊 0.3g×10粒", class: "A", category: "drug", cap: 1500, days: "5"},
	{name: "阿莫西林胶囊 0.25g×24粒", class: "A", category: "drug", rx: true, cap: 1200, days: "4"},
	{name: "复方氨酚烷胺片 12片", class: "A", category: "drug", cap: 1000, days: "3"},
	{name: "板蓝根颗粒 10g×20袋", class: "A", category: "tcm", cap: 1500, days: "6.667"},
	{name: "硝苯地平控释片 30mg×7片", class: "A", category: "drug", rx: true, cap: 3500, days: "7", diseases: "I10"},
	{name: "精蛋白生物合成人胰岛素注射液(预混30R) 3ml:300单位", class: "B", category: "drug", rx: true, cap: 6000, selfPay: 1000, days: "10", diseases: "E10;E11"},
	{name: "他达拉非片 5mg×4片", class: "B", category: "drug", rx: true, cap: 5000, selfPay: 2000, days: "4", sex: "M"},
	{name: "左炔诺孕酮片 1.5mg×1片", class: "A", category: "drug", cap: 2000, days: "0", minAge: "16", sex: "F"},
	{name: "小儿氨酚黄那敏颗粒 10袋", class: "A", category: "drug", cap: 1500, days: "3.333", maxAge: "14"},
	{name: "血糖试纸 50片", class: "B", category: "device", cap: 8000, selfPay: 2000, days: "0"},
	{name: "电子体温计", class: "C", category: "device", days: "0"},
	{name: "蛋白粉 400g", class: "C", category: "health_food", days: "0"},
	{name: "深海鱼油软胶囊 100粒", class: "C", category: "health_food", days: "0"},
	{name: "维生素C咀嚼片(保健食品) 60片", class: "C", category: "health_food", days: "0"},
	{name: "保湿面霜 50g", class: "C", category: "cosmetic", days: "0"},
	{name: "洗发水 400ml", class: "C", category: "daily", days: "0"},
	{name: "牙膏 120g", class: "C", category: "daily", days: "0"},
	{name: "婴幼儿配方奶粉 800g", class: "C", category: "food", days: "0"},
	{name: "医用外科口罩 10只", class: "B", category: "device", cap: 1000, selfPay: 1000, days: "0"},
	{name: "连花清瘟胶囊 0.35g×24粒", class: "A", category: "tcm", cap: 1500, days: "2"},
	{name: "头孢克洛胶囊 0.25g×6粒", class: "A", category: "drug", rx: true, cap: 2000, days: "2"},
	{name: "奥美拉唑肠溶胶囊 20mg×7粒", class: "A", category: "drug", cap: 1500, days: "7"},
	{name: "氯雷他定片 10mg×6片", class: "A", category: "drug", cap: 1500, days: "6"},
	{name: "缬沙坦胶囊 80mg×7粒", class: "A", category: "drug", rx: true, cap: 2500, days: "7", diseases: "I10"},
	{name: "维生素C片 100mg×100片", class: "A", category: "drug", cap: 500, days: "0"},
	{name: "阿司匹林肠溶片 100mg×30片", class: "A", category: "drug", cap: 1500, days: "30", maxDays: 30},
	{name: "格列美脲片 2mg×30片", class: "B", category: "drug", rx: true, cap: 4000, selfPay: 500, days: "30", diseases: "E11"},
	{name: "二甲双胍缓释片 0.5g×30片", class: "A", category: "drug", rx: true, cap: 3000, days: "30", diseases: "E11", extraBarcode: true},
	{name: "蒙脱石散 3g×10袋", class: "A", category: "drug", cap: 1200, days: "3.333"},
	{name: "藿香正气水 10ml×10支", class: "A", category: "tcm", cap: 1000, days: "2.5"},
	{name: "云南白药气雾剂 85g+30g", class: "A", category: "tcm", cap: 3500, days: "0"},
	{name: "碘伏消毒液 100ml", class: "B", category: "device", cap: 800, selfPay: 1000, days: "0"},
	{name: "当归(中药饮片) 10g", class: "A", category: "tcm", cap: 300, days: "0", noBarcode: true},
	{name: "甲钴胺片 0.5mg×20片", class: "A", category: "drug", cap: 2000, days: "6.667"},
	{name: "孟鲁司特钠片 10mg×5片", class: "A", category: "drug", rx: true, cap: 4000, days: "5", minAge: "15"},
	{name: "布地奈德鼻喷雾剂 64μg×120喷", class: "B", category: "drug", rx: true, cap: 6000, selfPay: 1000, days: "30", maxDays: 30},
	{name: "瑞舒伐他汀钙片 10mg×7片", class: "B", category: "drug", rx: true, cap: 4000, selfPay: 1000, days: "7"},
}

// generic is a product the generator varies by pack size.
type generic struct {
	name, unit string
	rx         bool
	diseases   string
	perDay     int // units of unit a day; 0 = no days limit
}

var genericsByCategory = map[string][]generic{
	"drug": {
		{"厄贝沙坦片 150mg", "片", true, "I10", 1}, {"氯沙坦钾片 50mg", "片", true, "I10", 1},
		{"琥珀酸美托洛尔缓释片 47.5mg", "片", true, "I10;I25", 1}, {"辛伐他汀片 20mg", "片", true, "", 1},
		{"阿卡波糖片 50mg", "片", true, "E11", 3}, {"格列齐特缓释片 30mg", "片", true, "E11", 1},
		{"磷酸西格列汀片 100mg", "片", true, "E11", 1}, {"氢氯噻嗪片 25mg", "片", true, "I10", 1},
		{"硝酸甘油片 0.5mg", "片", true, "I20;I25", 0}, {"左甲状腺素钠片 50μg", "片", true, "E03", 1},
		{"头孢呋辛酯片 0.25g", "片", true, "", 2}, {"阿奇霉素片 0.25g", "片", true, "", 2},
		{"左氧氟沙星片 0.5g", "片", true, "", 1}, {"罗红霉素胶囊 150mg", "粒", true, "", 2},
		{"对乙酰氨基酚片 0.5g", "片", false, "", 3}, {"复方甘草片", "片", false, "", 9},
		{"盐酸氨溴索片 30mg", "片", false, "", 3}, {"多潘立酮片 10mg", "片", false, "", 3},
		{"雷贝拉唑钠肠溶片 10mg", "片", true, "", 1}, {"铝碳酸镁咀嚼片 0.5g", "片", false, "", 3},
		{"盐酸西替利嗪片 10mg", "片", false, "", 1}, {"双氯芬酸钠缓释片 75mg", "片", true, "", 1},
		{"氯化钾缓释片 0.5g", "片", true, "", 2}, {"红霉素软膏 1%", "支", false, "", 0},
		{"莫匹罗星软膏 2%", "支", true, "", 0}, {"开塞露 20ml", "支", false, "", 0},
		{"坎地沙坦酯片 8mg", "片", true, "I10", 1}, {"非洛地平缓释片 5mg", "片", true, "I10", 1},
		{"氯吡格雷片 75mg", "片", true, "I25;I63", 1}, {"利格列汀片 5mg", "片", true, "E11", 1},
	},
	"tcm": {
		{"六味地黄丸 浓缩丸", "丸", false, "", 24}, {"感冒清热颗粒 12g", "袋", false, "", 2},
		{"银翘解毒片", "片", false, "", 12}, {"小柴胡颗粒 10g", "袋", false, "", 3},
		{"复方丹参滴丸 27mg", "丸", true, "I25", 30}, {"速效救心丸 40mg", "丸", true, "I25", 0},
		{"双黄连口服液 10ml", "支", false, "", 6}, {"牛黄解毒片", "片", false, "", 6},
		{"逍遥丸", "袋", false, "", 2}, {"香砂养胃丸", "袋", false, "", 2},
		{"健胃消食片 0.8g", "片", false, "", 9}, {"金嗓子喉片 2g", "片", false, "", 6},
		{"黄芪(中药饮片) 10g", "袋", false, "", 0}, {"枸杞子(中药饮片) 10g", "袋", false, "", 0},
	},
	"device": {
		{"一次性使用无菌注射器 5ml", "支", false, "", 0}, {"医用纱布块 8cm×10cm", "片", false, "", 0},
		{"弹力绷带 10cm", "卷", false, "", 0}, {"电子血压计 上臂式", "台", false, "", 0},
		{"胰岛素笔用针头 32G", "支", false, "", 0}, {"医用酒精 75%", "瓶", false, "", 0},
		{"医用胶带 1.25cm", "卷", false, "", 0}, {"家用雾化器", "台", false, "", 0},
	},
	"health_food": {
		{"钙维生素D片", "片", false, "", 0}, {"辅酶Q10软胶囊", "粒", false, "", 0},
		{"褪黑素片", "片", false, "", 0}, {"益生菌粉 2g", "袋", false, "", 0},
		{"维生素B族片", "片", false, "", 0}, {"氨基葡萄糖软骨素片", "片", false, "", 0},
		{"蜂胶软胶囊", "粒", false, "", 0}, {"葡萄籽提取物胶囊", "粒", false, "", 0},
	},
	"cosmetic": {
		{"补水面膜", "片", false, "", 0}, {"防晒霜 SPF50", "支", false, "", 0},
		{"护手霜 50g", "支", false, "", 0}, {"润唇膏", "支", false, "", 0},
		{"洗面奶 100g", "支", false, "", 0}, {"爽肤水 200ml", "瓶", false, "", 0},
	},
	"daily": {
		{"洗衣液 2kg", "瓶", false, "", 0}, {"抽纸 3层", "包", false, "", 0},
		{"沐浴露 750ml", "瓶", false, "", 0}, {"软毛牙刷", "支", false, "", 0},
		{"卫生巾 日用", "片", false, "", 0}, {"消毒湿巾", "片", false, "", 0},
		{"洗手液 500ml", "瓶", false, "", 0},
	},
	"food": {
		{"即食燕麦片 1kg", "袋", false, "", 0}, {"洋槐蜂蜜 500g", "瓶", false, "", 0},
		{"中老年高钙奶粉 800g", "罐", false, "", 0}, {"无糖苏打饼干 400g", "袋", false, "", 0},
		{"代餐粉 500g", "罐", false, "", 0},
	},
}

// categories in the order generated rows cycle through them; drugs come up
// most often, as on a pharmacy's shelves.
var cycle = []string{"drug", "drug", "tcm", "drug", "device", "health_food", "drug", "tcm",
	"cosmetic", "drug", "daily", "food", "drug", "device"}

func main() {
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	fmt.Fprintln(w, "code,name,barcodes,class,category,rx,price_cap,self_pay_bp,days_per_unit,max_days,chronic_max_days,diseases,min_age,max_age,sex,trace_prefixes")
	n := 0
	for _, it := range handWritten {
		n++
		writeRow(w, n, it)
	}
	r := rand.New(rand.NewPCG(2025, 7311))
	next := map[string]int{}
	for n < 300 {
		cat := cycle[n%len(cycle)]
		list := genericsByCategory[cat]
		g := list[next[cat]%len(list)]
		next[cat]++
		n++
		writeRow(w, n, generated(r, cat, g, packFor(g, next[cat]+n)))
	}
}

// packFor picks a pack size for g: counted units come in boxes of 7 to
// 100 (never more than a month of supply), bulky goods singly or in
// multi-packs.
func packFor(g generic, k int) int {
	switch g.unit {
	case "片", "粒", "丸", "袋":
		var fit []int
		for _, p := range []int{7, 12, 14, 24, 28, 30, 48, 60, 100} {
			if g.perDay == 0 || p <= 30*g.perDay {
				fit = append(fit, p)
			}
		}
		return fit[k%len(fit)]
	default:
		return []int{1, 1, 2, 3, 6}[k%5]
	}
}

// generated makes one item of g in a pack of pack units.
func generated(r *rand.Rand, cat string, g generic, pack int) item {
	name := g.name
	if pack > 1 {
		name = fmt.Sprintf("%s×%d%s", g.name, pack, g.unit)
	}
	it := item{name: name, category: cat, rx: g.rx,
		diseases: g.diseases, days: "0", class: "C"}
	if g.perDay > 0 {
		it.days = decimalDays(pack, g.perDay)
	}
	switch cat {
	case "drug", "tcm":
		it.class = []string{"A", "A", "A", "B", "B", "C"}[r.IntN(6)]
	case "device":
		it.class = []string{"B", "B", "C"}[r.IntN(3)]
	}
	if it.class != "C" {
		it.cap = int64(300 + r.IntN(80)*100)
	}
	if it.class == "B" {
		it.selfPay = []int64{500, 1000, 1000, 2000, 3000}[r.IntN(5)]
	}
	if it.diseases == "" && g.perDay > 0 && pack > 7*g.perDay {
		it.maxDays = 30 // a pack lasting over a week: the region allows a month
	}
	return it
}

// decimalDays writes pack/perDay with at most three decimals, rounded down.
func decimalDays(pack, perDay int) string {
	m := pack * 1000 / perDay
	s := fmt.Sprintf("%d.%03d", m/1000, m%1000)
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// writeRow writes item number n as code D%04d.
func writeRow(w *bufio.Writer, n int, it item) {
	barcodes := ean13(fmt.Sprintf("69012345%04d", n))
	if it.extraBarcode {
		barcodes += ";" + ean13(fmt.Sprintf("69098765%04d", n))
	}
	if it.noBarcode {
		barcodes = ""
	}
	rx := "0"
	if it.rx {
		rx = "1"
	}
	fmt.Fprintf(w, "D%04d,%s,%s,%s,%s,%s,%d,%d,%s,%d,%d,%s,%s,%s,%s,%s\n", n, it.name, barcodes,
		it.class, it.category, rx, it.cap, it.selfPay, it.days, it.maxDays, it.chronic,
		it.diseases, it.minAge, it.maxAge, it.sex, tracePrefixes(n, it))
}

// tracePrefixes lists item n's trace prefixes: packed drugs and
// traditional medicines only, one per packaging.
func tracePrefixes(n int, it item) string {
	if (it.category != "drug" && it.category != "tcm") || it.noBarcode || strings.Contains(it.name, "饮片") {
		return ""
	}
	p := fmt.Sprintf("81%05d", n)
	if it.extraBarcode {
		p += fmt.Sprintf(";82%05d", n)
	}
	return p
}

// ean13 appends the EAN-13 check digit to twelve digits.
func ean13(d12 string) string {
	sum := 0
	for i, c := range d12 {
		v := int(c - '0')
		if i%2 == 1 {
			v *= 3
		}
		sum += v
	}
	return fmt.Sprintf("%s%d", d12, (10-sum%10)%10)
}
