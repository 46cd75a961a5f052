package server

// FlushRefusals writes the summary of refused connections now, as the
// server does every RefusalInterval.
func (s *Server) FlushRefusals() { s.refused.flush() }

// LoginsInProgress is the number of connections not logged in yet.
func (s *Server) LoginsInProgress() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pendingN
}
