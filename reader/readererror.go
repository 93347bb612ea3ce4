package reader

import "fmt"

// readerErrors describes the error byte of a reader error frame (0x45).
// Reader models differ; these are the codes cardsim sends and the common
// ones, anything else is reported by number.
var readerErrors = map[byte]string{
	0x01: "no card in the reader",
	0x02: "card read failed",
	0x03: "card not supported",
	0x04: "card authentication failed",
	0x05: "card locked",
}

// readerError turns the DATA of a reader error frame into an error.
func readerError(data []byte) error {
	if len(data) != 1 {
		return fmt.Errorf("reader error with %d data bytes, want 1", len(data))
	}
	if d, ok := readerErrors[data[0]]; ok {
		return fmt.Errorf("reader error 0x%02X: %s", data[0], d)
	}
	return fmt.Errorf("reader error 0x%02X: unknown", data[0])
}
