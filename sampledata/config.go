package sampledata

import _ "embed"

// Config is the sample dataset's kpiscope.yaml: every built-in KPI with its
// default target, plus a few overrides that show how targets vary by segment.
//
//go:embed kpiscope.yaml
var Config []byte
