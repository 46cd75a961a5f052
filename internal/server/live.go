package server

import (
	tea "charm.land/bubbletea/v2"

	"kpiscope/internal/live"
)

// Subscriber makes srv's sessions a subscriber of live data
// (live.Live.Subscribe): each change is made current while no session is
// being set up (Broadcast), so a session is built wholly from the data before
// it, and told, or from the data after it; every running session then gets
// the message msg makes of the change (nil: none). The data is the live
// owner's business; the server only carries the news.
func Subscriber(srv *Server, msg func(live.Change) tea.Msg) live.Subscriber {
	return sessions{srv: srv, msg: msg}
}

type sessions struct {
	srv *Server
	msg func(live.Change) tea.Msg
}

func (s sessions) Publish(apply func() (live.Change, bool)) <-chan struct{} {
	return s.srv.Broadcast(func() tea.Msg {
		c, ok := apply()
		if !ok {
			return nil
		}
		return s.msg(c)
	})
}
