package reader

import "time"

// Event types.
const (
	EventCard        = "card"         // Card is set
	EventCardRemoved = "card_removed" // a frame reader reported the card taken out
	EventReader      = "reader"       // Reader is set; Error when a read failed
	// EventScan: a scanner (FormatScanner) read a line; Scan is its text.
	EventScan = "scan"
)

// Reader states.
const (
	StateOpening = "opening"
	StateOpen    = "open"
	StateDown    = "down"
)

// Event is one thing that happened at the reader, in the shape of the POS
// API's GET /v1/events messages.
type Event struct {
	Type   string  `json:"type"`
	Card   *Card   `json:"card,omitempty"`
	Reader *Status `json:"reader,omitempty"`
	Error  string  `json:"error,omitempty"`
	// Scan is the line a scanner read (EventScan), printable ASCII.
	Scan string    `json:"scan,omitempty"`
	At   time.Time `json:"at"`
	// Code and ErrorZh are never set by a Reader: the agent sets them on
	// the events it publishes itself (an e-voucher refused), with Error
	// the English text of the code and ErrorZh the Chinese.
	Code    string `json:"code,omitempty"`
	ErrorZh string `json:"error_zh,omitempty"`
}

// Status is the reader's state and counters.
type Status struct {
	State     string `json:"state"` // StateOpening, StateOpen or StateDown
	Port      string `json:"port"`
	Format    Format `json:"format"`
	LastError string `json:"last_error"`
	// Reconnects counts successful reopens after the port was lost.
	Reconnects uint64 `json:"reconnects"`
	// Swipes counts card reads emitted (after debounce); Scans counts a
	// scanner's lines emitted (after debounce).
	Swipes uint64 `json:"swipes"`
	Scans  uint64 `json:"scans,omitempty"`
	// BadFrames counts frames dropped by the decoder (bad LEN, BCC or ETX,
	// or cut off) and frames with an unknown command.
	BadFrames uint64 `json:"bad_frames"`
	// BadReads counts reads that gave no card or scan: bad track-2 lines,
	// lines too long, cut off or (scanner) not printable, unreadable card
	// records, reader error frames.
	BadReads uint64 `json:"bad_reads"`
	// Auths counts AUTH exchanges that gave the card's answer;
	// AuthFailures counts Auth calls that returned an error.
	Auths        uint64 `json:"auths"`
	AuthFailures uint64 `json:"auth_failures"`
}
