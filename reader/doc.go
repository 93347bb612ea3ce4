// Package reader owns the card reader's serial line: the two wire formats of
// SPEC §4 (ISO 7813 track 2 as ASCII lines, and the binary IC-reader frame
// carrying a GBK-encoded basic record), a QR scanner's lines (FormatScanner:
// SPEC §10's e-voucher, emitted as EventScan and not interpreted here), the
// card data they carry (resident id check character, birth date, sex), and
// the port's life (open, reopen
// with backoff, debounce of repeated reads), and the host's side of the IC
// card's AUTH exchange of SPEC §10 (Reader.Auth sends a challenge, the
// card's answer comes back as an AuthAnswer; checking it is the centre's).
//
// The decoders (ParseTrack2, FrameDecoder, ParseCardRecord) are pure and do
// no I/O; Reader wires them to a serial port. The encoders (EncodeTrack2,
// EncodeFrame, EncodeCardRecord, WriteSwipe) exist for tests, cardsim and
// the demo.
//
// The package does not decide what a card may buy: an expired card or a card
// with a Problem is still reported, and package policy refuses it.
package reader
