package api

// Checked is how many attempts CheckFrom let through to a password check.
func (l *Logins) Checked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.checked
}
