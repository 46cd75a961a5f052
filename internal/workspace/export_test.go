package workspace

// SetBusinessTableMade sets the hook run after a start makes the business
// table (nil: none), for tests that stop a start there.
func SetBusinessTableMade(f func() error) { businessTableMade = f }
