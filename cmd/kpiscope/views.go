package main

import (
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"kpiscope/internal/config"
	"kpiscope/internal/live"
	"kpiscope/internal/workspace"
	"kpiscope/tui"
)

// Saved views (kpiscope.yaml views:, issue 15): `kpiscope --view NAME`
// opens the explorer on one, `kpiscope report --view NAME` prints it, and
// `ssh -t host NAME` opens it in a `kpiscope serve` session.

// addViewFlag adds --view to a command (the explorer, report).
func addViewFlag(c *cobra.Command) {
	c.Flags().String("view", "", "show the saved view `NAME` of kpiscope.yaml (views:): its KPI, breakdown, filters, period or window and comparison")
}

// viewFlag is the --view given and whether it was: an empty --view is given,
// and names no view.
func viewFlag(cmd *cobra.Command) (string, bool) {
	if f := cmd.Flags().Lookup("view"); f != nil && f.Changed {
		return f.Value.String(), true
	}
	return "", false
}

// findView is the saved view name of the workspace's config, or why there
// is none: the nearest names, or how to write one.
func findView(ws *workspace.Workspace, name string) (*config.View, error) {
	if v := ws.Config.FindView(name); v != nil {
		return v, nil
	}
	if ws.Config == nil {
		return nil, fmt.Errorf("--view %q: saved views are written in kpiscope.yaml and these files come without one; write one with `kpiscope init`, add e.g. %s and give it with --config", name, config.ViewExample)
	}
	return nil, fmt.Errorf("--view: %w", ws.Config.UnknownView(name))
}

// tuiView is a config view as the explorer takes it.
func tuiView(v config.View) tui.View {
	return tui.View{Name: v.Name, Description: v.Description, KPI: v.KPI, By: v.By, Filters: v.Filters,
		Grain: v.Grain, Period: v.Period, Window: v.Window, Compare: v.Compare}
}

// tuiViews are the config's views for the explorer's palette.
func tuiViews(cfg *config.Config) []tui.View {
	if cfg == nil {
		return nil
	}
	out := make([]tui.View, len(cfg.Views))
	for i, v := range cfg.Views {
		out[i] = tuiView(v)
	}
	return out
}

// explorerViews are the saved views for the explorer and the one --view
// opens it on (nil without --view); an unknown name is an error before
// anything is drawn.
func explorerViews(cmd *cobra.Command, ws *workspace.Workspace) ([]tui.View, *tui.View, error) {
	views := tuiViews(ws.Config)
	name, ok := viewFlag(cmd)
	if !ok {
		return views, nil, nil
	}
	v, err := findView(ws, name)
	if err != nil {
		return nil, nil, err
	}
	start := tuiView(*v)
	return views, &start, nil
}

// applyView fills report's flags from --view: its KPI (--kpi), breakdown
// (--by), filters (before any --filter, which wins on the same column and
// operator), period and grain or window (--period, --grain, --since) and
// comparison (--compare). A flag given beside --view wins over the view's.
func applyView(cmd *cobra.Command, ws *workspace.Workspace, sf *sliceFlags, ro *reportOpts) error {
	name, ok := viewFlag(cmd)
	if !ok {
		return nil
	}
	v, err := findView(ws, name)
	if err != nil {
		return err
	}
	f := cmd.Flags()
	if v.KPI != "" && !f.Changed("kpi") {
		ro.kpis = []string{v.KPI}
	}
	if v.By != "" && !f.Changed("by") {
		sf.by = v.By
	}
	var filters []string
	for _, x := range v.Filters {
		filters = append(filters, x.Arg())
	}
	sf.filters = append(filters, sf.filters...)
	if !f.Changed("period") && !f.Changed("grain") && !f.Changed("since") {
		sf.period, sf.since = v.Period, v.Window.Arg()
		if v.Period == "" && v.Window.IsZero() {
			sf.grain = string(v.Grain)
		}
	}
	if v.Compare != "" && !f.Changed("compare") {
		sf.compare = string(v.Compare)
	}
	return nil
}

// viewsMsg tells a program the saved views of reloaded data (the config
// may have changed); nil for other changes, which leave them.
func viewsMsg(c live.Change) tea.Msg {
	if c.Kind != live.Reloaded || c.Workspace == nil {
		return nil
	}
	return tui.ViewsMsg{Views: tuiViews(c.Workspace.Config)}
}

// sendViews sends p the saved views of reloaded data.
func sendViews(p sender, c live.Change) {
	if msg := viewsMsg(c); msg != nil {
		p.Send(msg)
	}
}

// serveView checks the saved view an SSH client names as its command (ssh
// -t host NAME) against the data being served. The message goes to the
// client: it names the views, never the server's files.
func serveView(current func() live.State, name string) error {
	if current == nil {
		return errors.New("the data is still loading; try again in a moment")
	}
	cfg := current().Workspace.Config
	if cfg.FindView(name) != nil {
		return nil
	}
	if len(cfg.ViewNames()) == 0 {
		return fmt.Errorf("no saved view %q: this server has no saved views (its kpiscope.yaml has no views:)", name)
	}
	return cfg.UnknownView(name)
}

// sessionViews are an SSH session's saved views and the one it asked for
// (nil: none, or one gone since it was checked).
func sessionViews(cfg *config.Config, name string) ([]tui.View, *tui.View) {
	views := tuiViews(cfg)
	if v := cfg.FindView(name); v != nil {
		start := tuiView(*v)
		return views, &start
	}
	return views, nil
}
