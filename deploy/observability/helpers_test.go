package observability

import (
	"go.yaml.in/yaml/v3"

	"github.com/prometheus/prometheus/promql/parser"
)

func parse(expr string) (parser.Expr, error) {
	return parser.NewParser(parser.Options{}).ParseExpr(expr)
}

func yamlUnmarshal(data []byte, v any) error { return yaml.Unmarshal(data, v) }
