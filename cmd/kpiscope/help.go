package main

import (
	"strconv"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// fang v2.0.1 renders every flag as its bare name ("--by") and never reads
// pflag's placeholder convention: a backquoted word in the usage string
// ("break each KPI down by this `DIM`") names the flag's value. Its help
// function is set on the root inside fang.Execute, after the command tree is
// built, so it cannot be replaced beforehand. addHelp gives the root a --help
// flag and wraps the help command so that the first request for help puts
// helpView in front of fang's function: the help keeps fang's layout and
// shows "--by DIM".
//
// fang also title-cases the first word of each flag's usage and each command's
// Short (theme.go titleFirstWord; charmbracelet/fang#102, no option to turn it
// off), so "KPI definitions" would print "Kpi definitions": those texts start
// with a plain lowercase word. TestHelpPlaceholdersAndCasing holds both rules
// for every flag of every command.
func addHelp(root *cobra.Command) {
	installed := false
	install := func() {
		if installed {
			return
		}
		installed = true
		fangHelp := root.HelpFunc()
		root.SetHelpFunc(func(c *cobra.Command, args []string) {
			fangHelp(helpView(c), args)
		})
	}
	root.PersistentFlags().VarP(&helpFlag{install: install}, "help", "h", "show this help")
	root.PersistentFlags().Lookup("help").NoOptDefVal = "true"
	root.InitDefaultHelpCmd()
	for _, c := range root.Commands() {
		if c.Name() == "help" && c.Run != nil {
			run := c.Run
			c.Run = func(c *cobra.Command, args []string) {
				install()
				run(c, args)
			}
		}
	}
}

// helpView returns what fang's help should show for c: a copy of the whole
// command tree in which each flag is named with its placeholder ("by DIM")
// and its usage has no backquotes. The copy is thrown away after the help is
// written; renaming the real flags would break cobra, which looks flags up by
// name when it merges the inherited ones.
func helpView(c *cobra.Command) *cobra.Command {
	var path []string
	for p := c; p.HasParent(); p = p.Parent() {
		path = append([]string{p.Name()}, path...)
	}
	view := mirror(c.Root())
	view.SetOut(c.OutOrStdout())
	view.SetErr(c.ErrOrStderr())
	for _, name := range path {
		for _, sc := range view.Commands() {
			if sc.Name() == name {
				view = sc
				break
			}
		}
	}
	return view
}

// mirror copies what fang's help reads of c and its subcommands: the words,
// the groups and the flags, with every flag local (nothing left to inherit).
func mirror(c *cobra.Command) *cobra.Command {
	m := &cobra.Command{
		Use: c.Use, Aliases: c.Aliases, Short: c.Short, Long: c.Long, Example: c.Example,
		Hidden: c.Hidden, GroupID: c.GroupID, Deprecated: c.Deprecated,
		DisableFlagsInUseLine: c.DisableFlagsInUseLine,
		Run:                   func(*cobra.Command, []string) {},
	}
	m.AddGroup(c.Groups()...)
	seen := map[string]bool{}
	for _, fs := range []*pflag.FlagSet{c.Flags(), c.PersistentFlags()} {
		fs.VisitAll(func(f *pflag.Flag) {
			if seen[f.Name] {
				return
			}
			seen[f.Name] = true
			v := *f
			name, usage := pflag.UnquoteUsage(f)
			if name != "" {
				v.Name += " " + name
			}
			v.Usage = usage
			m.Flags().AddFlag(&v)
		})
	}
	for _, sc := range c.Commands() {
		m.AddCommand(mirror(sc))
	}
	return m
}

// helpFlag is the root's persistent --help: cobra reads it as its own bool
// help flag (Type "bool"), and setting it installs the placeholders.
type helpFlag struct {
	set     bool
	install func()
}

func (h *helpFlag) String() string { return strconv.FormatBool(h.set) }
func (h *helpFlag) Type() string   { return "bool" }
func (h *helpFlag) IsBoolFlag() bool {
	return true
}

func (h *helpFlag) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	h.set = v
	if v {
		h.install()
	}
	return nil
}
