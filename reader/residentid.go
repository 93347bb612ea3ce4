package reader

import (
	"fmt"
	"strings"
)

// The resident identity number (GB 11643): 6-digit region, 8-digit birth
// date YYYYMMDD, 3-digit sequence (odd for men, even for women) and an
// ISO 7064 MOD 11-2 check character.

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckChars = "10X98765432"

// ResidentIDCheck returns the ISO 7064 MOD 11-2 check character ('0'–'9' or
// 'X') for the first 17 digits of a resident id.
func ResidentIDCheck(first17 string) (byte, error) {
	if len(first17) != 17 || !isDigits(first17) {
		return 0, fmt.Errorf("resident id check: %w: %q, want 17 digits", ErrBadField, clip(first17))
	}
	sum := 0
	for i, w := range idWeights {
		sum += int(first17[i]-'0') * w
	}
	return idCheckChars[sum%11], nil
}

// residentID is what a resident id tells about its holder.
type residentID struct {
	id      string // normalised: a lower-case check 'x' becomes 'X'
	birth   string // YYYY-MM-DD
	sex     string // "M" or "F"
	problem string // non-empty when the check character is wrong
}

// parseResidentID checks the id's structure (an error) and its check
// character (a problem, not an error).
func parseResidentID(s string) (residentID, error) {
	s = strings.ToUpper(s)
	if len(s) != 18 || !isDigits(s[:17]) || !strings.ContainsRune("0123456789X", rune(s[17])) {
		return residentID{}, fmt.Errorf("card record: %w: resident id %q, want 17 digits and a check character", ErrBadField, clip(s))
	}
	if !isDate(s[6:14]) {
		return residentID{}, fmt.Errorf("card record: %w: resident id birth date %q", ErrBadField, s[6:14])
	}
	id := residentID{id: s, birth: reformatDate(s[6:14]), sex: "F"}
	if (s[16]-'0')%2 == 1 {
		id.sex = "M"
	}
	want, _ := ResidentIDCheck(s[:17]) // s[:17] is 17 digits
	if s[17] != want {
		id.problem = fmt.Sprintf("resident id check character is %c, want %c", s[17], want)
	}
	return id, nil
}
