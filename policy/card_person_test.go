package policy

import (
	"fmt"
	"testing"
	"time"
)

// personID makes a valid resident id: region 110105, birth yyyymmdd, a
// sequence whose last digit is odd for a man.
func personID(birth string, male bool) string {
	if male {
		return withCheck("110105" + birth + "001")
	}
	return withCheck("110105" + birth + "002")
}

func TestParsePersonID(t *testing.T) {
	man := personID("19600315", true)
	sex, birth, err := ParsePersonID(man)
	if err != nil || sex != "M" || !birth.Equal(time.Date(1960, 3, 15, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("%s: %s %v %v", man, sex, birth, err)
	}
	woman := personID("19900722", false)
	if sex, _, err := ParsePersonID(woman); err != nil || sex != "F" {
		t.Fatalf("%s: %s %v", woman, sex, err)
	}
	// An id whose check character is X, written in lower case.
	withX := ""
	for seq := 100; seq < 1000 && withX == ""; seq++ {
		if id := withCheck(fmt.Sprintf("11010519851201%03d", seq)); id[17] == 'X' {
			withX = id
		}
	}
	if _, _, err := ParsePersonID(withX[:17] + "x"); err != nil {
		t.Fatalf("%s with x: %v", withX, err)
	}
	bad := map[string]string{
		"short":              "11010519600315001",
		"letters":            "11010519600315A01X",
		"wrong check":        man[:17] + string("0123456789"[(int(man[17]-'0')+1)%10]),
		"no such date":       withCheck("11010519600231001"),
		"empty":              "",
		"15-digit old style": "110105600315001",
	}
	for name, id := range bad {
		if _, _, err := ParsePersonID(id); err == nil {
			t.Errorf("%s: %q accepted", name, id)
		}
	}
}

// withCheck appends the check character to 17 digits.
func withCheck(id17 string) string {
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(id17[i]-'0') * w
	}
	return id17 + string("10X98765432"[sum%11])
}

// track2 is sale on a magnetic-stripe swipe of an account whose holder has
// the resident id id: the card says nothing about the person.
func track2(id string, lines ...Line) Input {
	in := sale(lines...)
	in.Card = Card{CardNo: "100000001", Source: SourceTrack2}
	in.Holder.PersonID = id
	return in
}

// TestAgeAndSexFromTheAccount: a track-2 swipe carries neither sex nor
// birth date, so they come from the account (issue 12: a man born in 1960
// bought a women-only and a children-only drug on a swipe).
func TestAgeAndSexFromTheAccount(t *testing.T) {
	b := withRules(t, func(r *Rules) { r.Track2AccountLimit = 100000 })
	man1960 := personID("19600315", true)
	woman1990 := personID("19900722", false)
	boy2015 := personID("20150601", true)
	tests := []struct {
		name string
		in   Input
		want []Code
	}{
		{"man born 1960 buys the morning-after pill on a swipe", track2(man1960, ln(levonorg, 1, 1800)), []Code{SexRestricted}},
		{"man born 1960 buys children's cold granules on a swipe", track2(man1960, ln(kidsCold, 1, 1200)), []Code{AgeRestricted}},
		{"woman born 1990 buys the morning-after pill on a swipe", track2(woman1990, ln(levonorg, 1, 1800)), nil},
		{"boy of 9 buys children's cold granules on a swipe", track2(boy2015, ln(kidsCold, 1, 1200)), nil},
		{"the account's sex and birth fields, without the id", func() Input {
			in := track2("", ln(levonorg, 1, 1800), ln(kidsCold, 1, 1200))
			in.Holder.Sex, in.Holder.Birth = "M", time.Date(1960, 3, 15, 0, 0, 0, 0, time.UTC)
			return in
		}(), []Code{SexRestricted, AgeRestricted}},
		{"nothing known about the person: not judged", track2("", ln(levonorg, 1, 1800)), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := evaluate(t, b, tc.in)
			var got []Code
			for _, l := range d.Lines {
				got = append(got, codes(l.Reasons)...)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("line reasons %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("line reasons %v, want %v", got, tc.want)
				}
			}
			for _, r := range allReasons(d) {
				if r.Code == SexRestricted || r.Code == AgeRestricted {
					if from, _ := r.Fact("from"); from != "account" {
						t.Fatalf("%s from %v, want account", r.Code, from)
					}
				}
			}
		})
	}
}

// TestCardDataWinsOverTheAccount: an IC card's own sex and birth date are
// used when it has them.
func TestCardDataWinsOverTheAccount(t *testing.T) {
	in := sale(ln(levonorg, 1, 1800))
	in.Card.Sex, in.Card.Birth = "F", time.Date(1990, 7, 22, 0, 0, 0, 0, cst)
	in.Holder.PersonID = personID("19600315", true)
	d := evaluate(t, testBundle(t), in)
	if len(d.Lines[0].Reasons) != 0 {
		t.Fatalf("reasons %v", codes(d.Lines[0].Reasons))
	}
}
