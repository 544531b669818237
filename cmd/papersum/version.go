package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// The version stamp. Each can be set at build time,
//
//	go build -ldflags "-X main.version=v1.2.3 -X main.commit=$(git rev-parse HEAD) -X main.date=$(date -u +%Y-%m-%dT%H:%M:%SZ)" ./cmd/papersum
//
// and each left empty is taken from the build information Go writes into
// every binary built with `go build` or `go install` in a git checkout
// (the module version, vcs.revision, vcs.time and vcs.modified).
var (
	version string
	commit  string
	date    string
)

// versionInfo is what `papersum version` reports.
type versionInfo struct {
	// Version is the release (-X main.version, else the module version Go
	// derives from the git tag), or "dev" when neither is known.
	Version string `json:"version"`
	// Commit is the git revision the binary was built from.
	Commit string `json:"commit,omitempty"`
	// Modified is set when the checkout had uncommitted changes.
	Modified bool `json:"modified,omitempty"`
	// CommitTime is the time of that revision (vcs.time).
	CommitTime string `json:"commit_time,omitempty"`
	// BuildDate is when the binary was built (-X main.date only: Go
	// does not record it, so that builds stay reproducible).
	BuildDate string `json:"build_date,omitempty"`
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
}

// buildVersion reads this binary's version stamp.
func buildVersion() versionInfo {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return readVersion(bi, version, commit, date)
}

// readVersion combines the -ldflags stamp (which wins) with the build
// information bi (nil when there is none).
func readVersion(bi *debug.BuildInfo, ldVersion, ldCommit, ldDate string) versionInfo {
	v := versionInfo{Version: ldVersion, Commit: ldCommit, BuildDate: ldDate,
		GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi != nil {
		if v.Version == "" && bi.Main.Version != "(devel)" {
			v.Version = bi.Main.Version
		}
		vcsRevision := ""
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				vcsRevision = s.Value
			case "vcs.time":
				v.CommitTime = s.Value
			case "vcs.modified":
				v.Modified = s.Value == "true"
			}
		}
		if v.Commit == "" {
			v.Commit = vcsRevision
		} else if vcsRevision != "" && vcsRevision != v.Commit {
			// A commit given by -ldflags that is not the one Go saw: the
			// time and the modified mark belong to the other one.
			v.CommitTime, v.Modified = "", false
		}
	}
	if v.Version == "" {
		v.Version = "dev"
	}
	return v
}

// String is the one line of `papersum version` and `papersum --version`
// (without the program name).
func (v versionInfo) String() string {
	var parts []string
	if v.Commit != "" {
		c := "commit " + v.Commit[:min(12, len(v.Commit))]
		if v.Modified {
			c += " (modified)"
		}
		parts = append(parts, c)
	}
	if v.CommitTime != "" {
		parts = append(parts, "committed "+v.CommitTime)
	}
	if v.BuildDate != "" {
		parts = append(parts, "built "+v.BuildDate)
	}
	if len(parts) == 0 {
		parts = append(parts, "no commit recorded: built without VCS stamping")
	}
	return fmt.Sprintf("%s (%s) %s %s", v.Version, strings.Join(parts, ", "), v.GoVersion, v.Platform)
}

func newVersionCmd(e *env) *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "version",
		Short: "Print papersum's version, commit and build date",
		Long: `Version prints the release, the git commit the binary was built from (marked
"modified" when the checkout had uncommitted changes), the commit's time,
the build date when the build stamped one, and the Go version and platform.
'go build' and 'go install' in a git checkout record the commit; 'go run'
and builds with -buildvcs=false do not. See README.md for a stamped build.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			v := buildVersion()
			if format == "json" {
				return writeJSON(e.stdout, v)
			}
			_, err := fmt.Fprintf(e.stdout, "papersum %s\n", v)
			return err
		},
	}
	c.Flags().StringVarP(&format, "format", "f", "text", "output format")
	limitFlags(c.Flags(), formatFlag("text", "json"))
	return c
}
