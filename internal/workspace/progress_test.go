package workspace

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Opening tells Options.Progress what it does: the sample's business hours
// (the long step at 100M tickets) with their share done, ending at 1.
func TestOpenReportsProgress(t *testing.T) {
	var mu sync.Mutex
	var steps []string
	var biz []float64
	ws, err := Open(context.Background(), Options{Progress: func(step string, done float64) {
		mu.Lock()
		defer mu.Unlock()
		if len(steps) == 0 || steps[len(steps)-1] != step {
			steps = append(steps, step)
		}
		if step == "business hours of tickets" {
			biz = append(biz, done)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	mu.Lock()
	defer mu.Unlock()
	for _, want := range []string{"reading the time range of tickets", "business hours of tickets", "business days of tickets", "reading the data's time ranges"} {
		if !slices.Contains(steps, want) {
			t.Errorf("no step %q in %s", want, strings.Join(steps, " | "))
		}
	}
	if len(biz) == 0 || biz[0] != 0 || biz[len(biz)-1] != 1 {
		t.Errorf("business hours' progress %v: want from 0 to 1", biz)
	}
}
