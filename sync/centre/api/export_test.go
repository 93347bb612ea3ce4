package api

// Checked is how many attempts CheckFrom let through to a password check.
func (l *Logins) Checked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.checked
}

// SetSamplePage sets how many records one store query of DrawSample asks
// for, until the test ends.
func SetSamplePage(t interface{ Cleanup(func()) }, n int) {
	old := samplePage
	samplePage = n
	t.Cleanup(func() { samplePage = old })
}
