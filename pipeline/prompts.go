package pipeline

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"text/template"

	"github.com/papersum/papersum"
)

//go:embed prompts/*.tmpl
var embeddedPrompts embed.FS

// Template is the prompt template of one stage. A template file defines two
// templates, "system" and "user"; the paper itself is not part of them
// because it travels as its own cacheable block (papersum.Request.Paper).
type Template struct {
	Stage papersum.Stage
	// Version is the content hash of the template file. It is stored on
	// every stage result, so any change of wording is traceable.
	Version string
	// Source is where the template came from ("embedded" or a path).
	Source string
	tmpl   *template.Template
}

// PromptData is what a template sees.
type PromptData struct {
	Title       string
	TargetWords int
	// MaxWords is the hard length limit derived from TargetWords.
	MaxWords int
	// Style is the summary style: "abstract", "highlights" or "tldr".
	Style    string
	Draft    string
	Critique *papersum.Critique
}

// Render returns the system and user prompt for data.
func (t *Template) Render(data PromptData) (system, user string, err error) {
	if data.Critique == nil {
		data.Critique = &papersum.Critique{}
	}
	var sb, ub bytes.Buffer
	if err := t.tmpl.ExecuteTemplate(&sb, "system", data); err != nil {
		return "", "", fmt.Errorf("render %s system prompt: %w", t.Stage, err)
	}
	if err := t.tmpl.ExecuteTemplate(&ub, "user", data); err != nil {
		return "", "", fmt.Errorf("render %s user prompt: %w", t.Stage, err)
	}
	return sb.String(), ub.String(), nil
}

// Prompts holds one template per stage.
type Prompts map[papersum.Stage]*Template

// DefaultPrompts returns the templates embedded in the binary.
func DefaultPrompts() (Prompts, error) {
	return loadPrompts(embeddedPrompts, "prompts", "embedded")
}

// LoadPrompts returns the embedded templates with those found in dir
// (summarize.tmpl, critique.tmpl, revise.tmpl) taking their place. A
// directory that holds none of them is an error, since it is most likely a
// wrong path.
func LoadPrompts(dir string) (Prompts, error) {
	p, err := DefaultPrompts()
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, papersum.Errorf(papersum.EINVALID, "prompts directory %s: %v", dir, errors.Unwrap(err))
	}
	if !st.IsDir() {
		return nil, papersum.Errorf(papersum.EINVALID, "prompts directory %s: not a directory", dir)
	}
	over, err := loadPrompts(os.DirFS(dir), ".", dir)
	if err != nil {
		return nil, err
	}
	if len(over) == 0 {
		return nil, papersum.Errorf(papersum.EINVALID, "prompts directory %s has none of summarize.tmpl, critique.tmpl, revise.tmpl", dir)
	}
	for s, t := range over {
		p[s] = t
	}
	return p, nil
}

func loadPrompts(fsys fs.FS, dir, origin string) (Prompts, error) {
	out := Prompts{}
	for _, stage := range papersum.Stages {
		name := string(stage) + ".tmpl"
		data, err := fs.ReadFile(fsys, filepath.ToSlash(filepath.Join(dir, name)))
		if errors.Is(err, fs.ErrNotExist) && origin != "embedded" {
			continue
		}
		if err != nil {
			return nil, papersum.Errorf(papersum.EINVALID, "prompt %s: %v", name, err)
		}
		src := origin
		if origin != "embedded" {
			src = filepath.Join(origin, name)
		}
		t, err := ParseTemplate(stage, src, data)
		if err != nil {
			return nil, err
		}
		out[stage] = t
	}
	return out, nil
}

// ParseTemplate parses a template file's content for stage. It checks that
// both "system" and "user" are defined and render with sample data, so a
// broken override fails at start-up and not in the middle of a batch.
func ParseTemplate(stage papersum.Stage, source string, data []byte) (*Template, error) {
	tmpl, err := template.New(string(stage)).Option("missingkey=error").Parse(string(data))
	if err != nil {
		return nil, papersum.Errorf(papersum.EINVALID, "prompt %s: %v", source, err)
	}
	for _, name := range []string{"system", "user"} {
		if tmpl.Lookup(name) == nil {
			return nil, papersum.Errorf(papersum.EINVALID, "prompt %s: no {{define %q}} block", source, name)
		}
	}
	t := &Template{Stage: stage, Version: papersum.ContentHash(data), Source: source, tmpl: tmpl}
	sample := PromptData{Title: "T", TargetWords: 150, MaxWords: 180, Style: string(papersum.DefaultStyle), Draft: "D",
		Critique: &papersum.Critique{Issues: []string{"i"}}}
	if _, _, err := t.Render(sample); err != nil {
		return nil, papersum.Errorf(papersum.EINVALID, "prompt %s: %v", source, err)
	}
	return t, nil
}
