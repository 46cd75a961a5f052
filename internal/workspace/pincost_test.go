package workspace

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestPinCost times opening a big dataset with and without pinning (the
// extra start-up a watched program pays), on the folder named by
// KPISCOPE_PIN_DATASET (e.g. one written by `kpiscope sample --tickets
// 100000000`). Skipped without it: figures, not a check.
func TestPinCost(t *testing.T) {
	dir := os.Getenv("KPISCOPE_PIN_DATASET")
	if dir == "" {
		t.Skip("set KPISCOPE_PIN_DATASET to a folder of Parquet files to time pinning")
	}
	ctx := context.Background()
	opt := Options{Sources: []string{filepath.Join(dir, "tickets.parquet")}, NoConfig: true}
	for i := 0; i < 3; i++ {
		began := time.Now()
		ws, err := Open(ctx, opt)
		if err != nil {
			t.Fatal(err)
		}
		opened := time.Since(began)
		began = time.Now()
		if err := ws.Pin(ctx, nil); err != nil {
			t.Fatal(err)
		}
		pinned := time.Since(began)
		st, _ := os.Stat(ws.Tables[0].Pinned[0])
		t.Logf("open %v, pin %v (%d MB copied, %d rows)", opened.Round(time.Millisecond), pinned.Round(time.Millisecond), st.Size()>>20, ws.Tables[0].Rows)
		next, err := Open(ctx, opt)
		if err != nil {
			t.Fatal(err)
		}
		began = time.Now()
		if err := next.Pin(ctx, ws); err != nil {
			t.Fatal(err)
		}
		t.Logf("pin again from the previous workspace, the file unchanged: %v", time.Since(began).Round(time.Millisecond))
		began = time.Now()
		ws.Close()
		next.Close()
		t.Logf("close both (removes the copy) %v", time.Since(began).Round(time.Millisecond))
	}
}
