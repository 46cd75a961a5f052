package quality_test

import (
	"context"
	"testing"
	"time"

	"kpiscope/internal/quality"
	"kpiscope/internal/workspace"
)

// The sample data is clean: no error for any KPI, composites included.
func TestCheckSampleIsClean(t *testing.T) {
	ws, err := workspace.Open(context.Background(), workspace.Options{NoConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	warns, err := quality.Check(context.Background(), ws.Engine, time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warns {
		t.Errorf("sample: %v", w)
	}
}
