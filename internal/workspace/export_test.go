package workspace

// SetBusinessTableMade sets the hook run after a start makes the business
// table (nil: none), for tests that stop a start there.
func SetBusinessTableMade(f func() error) { businessTableMade = f }

// SetLaterRows sets LaterRows (the ticket table's size from which
// Options.Later defers the business-time view) and returns its undo.
func SetLaterRows(n int64) (undo func()) {
	old := LaterRows
	LaterRows = n
	return func() { LaterRows = old }
}
