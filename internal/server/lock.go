package server

import (
	"context"
	"fmt"
	"sort"

	"kpiscope/internal/source"
	"kpiscope/internal/store"
	"kpiscope/internal/workspace"
)

// Lock confines a loaded workspace for untrusted users: from now on no query
// can read a file other than the loaded ones, write any file, attach a
// database, load an extension or change these settings back. It then reads
// every table once, so a view that locking broke fails here, at start, rather
// than in a user's session.
func Lock(ctx context.Context, ws *workspace.Workspace) error {
	if err := ws.DB.Lock(ctx, source.AllowedPaths(ws.Tables)); err != nil {
		return err
	}
	tables := make([]string, 0, len(ws.Engine.Tables()))
	for name := range ws.Engine.Tables() {
		tables = append(tables, name)
	}
	sort.Strings(tables)
	for _, name := range tables {
		if _, err := ws.DB.Query(ctx, "SELECT * FROM "+store.QuoteIdent(name)+" LIMIT 1"); err != nil {
			return fmt.Errorf("table %s cannot be read once the engine is locked: %w (a table reused from a --db cache may have lost its file list; try without --db)", name, err)
		}
	}
	return nil
}
