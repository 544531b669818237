package ingest

import (
	"context"
	"strings"
	"testing"
)

// benchPaper returns a plain-text paper of about words words with a
// title, an abstract, numbered sections and a reference list.
func benchPaper(words int) string {
	const para = "Recent work (Smith et al., 2019) has shown that transformers, e.g. BERT, " +
		"improve accuracy by 3.5% on average. As Fig. 3 shows, the gain is largest for long\n" +
		"inputs [4, 5]. We follow J. Smith and minimise Eq. (2) with Adam, i.e. a first-order\n" +
		"method. Does this hold for small models? It does not! See Sec. 4.2 for details.\n\n"
	perPara := len(strings.Fields(para))
	var b strings.Builder
	b.WriteString("Sparse Attention for Long Scientific Documents\n\nAbstract\n\n")
	b.WriteString(para)
	titles := []string{"1 Introduction", "2 Related Work", "3 Method", "3.1 Block Selection",
		"4 Experiments", "5 Results", "6 Discussion", "7 Conclusion"}
	n := perPara
	for i := 0; n < words; i++ {
		if i%6 == 0 {
			b.WriteString(titles[(i/6)%len(titles)] + "\n\n")
		}
		b.WriteString(para)
		n += perPara
	}
	b.WriteString("References\n\nA. Smith. 2019. A paper. In Proceedings of ACL.\n")
	return b.String()
}

func BenchmarkParseText(b *testing.B) {
	data := []byte(benchPaper(10000))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(context.Background(), "paper.txt", data, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseMarkdown(b *testing.B) {
	text := benchPaper(10000)
	text = strings.ReplaceAll(text, "\n\n1 ", "\n\n## 1 ")
	data := []byte("# " + text)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(context.Background(), "paper.md", data, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseLaTeX(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("\\documentclass{article}\n\\title{Sparse Attention}\n\\begin{document}\n\\begin{abstract}\nWe study \\emph{attention}.\n\\end{abstract}\n")
	for sb.Len() < 65000 {
		sb.WriteString("\\section{Method}\nWe minimise Eq.~\\eqref{eq:x} with $\\alpha=0.5$~\\cite{smith}. As \\citet{jones} show, \\textbf{it works}. % comment\n")
		sb.WriteString("\\begin{equation}x = y\\end{equation}\nThe gain is 3.5\\% on average, e.g.\\ for long inputs. Does it hold? It does.\n\n")
	}
	sb.WriteString("\\end{document}\n")
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(context.Background(), "paper.tex", data, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseXML(b *testing.B) {
	data := mustRead(b, "reference.xml")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(context.Background(), "paper.xml", data, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
