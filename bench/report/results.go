package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// key names one series of measurements: every round of one server in one
// case of one suite.
type key struct{ suite, cas, impl, metric string }

// results holds the measurements in the order they were taken.
type results struct {
	vals  map[key][]float64
	impls map[string][]string // suite -> servers, in order of first appearance
}

// parseResults reads bench/run's tab-separated results.
func parseResults(r io.Reader) (*results, error) {
	lines, err := readLines(r)
	if err != nil {
		return nil, err
	}
	res := &results{vals: map[key][]float64{}, impls: map[string][]string{}}
	for i, line := range lines {
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 6 {
			return nil, fmt.Errorf("results line %d: want 6 tab-separated fields, got %d: %q", i+1, len(f), line)
		}
		v, err := strconv.ParseFloat(f[5], 64)
		if err != nil {
			return nil, fmt.Errorf("results line %d: %v", i+1, err)
		}
		k := key{suite: f[0], cas: f[1], impl: f[2], metric: f[4]}
		res.vals[k] = append(res.vals[k], v)
		if !slices.Contains(res.impls[k.suite], k.impl) {
			res.impls[k.suite] = append(res.impls[k.suite], k.impl)
		}
	}
	return res, nil
}

// median returns the median of xs (the mean of the two middle values for an
// even count) and false when xs is empty.
func median(xs []float64) (float64, bool) {
	if len(xs) == 0 {
		return 0, false
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2], true
	}
	return (s[n/2-1] + s[n/2]) / 2, true
}

// med is the median of one series.
func (r *results) med(suite, cas, impl, metric string) (float64, bool) {
	return median(r.vals[key{suite, cas, impl, metric}])
}

// ratio is the ratio of the medians of impl a and impl b, when both exist
// and b's is not zero.
func (r *results) ratio(suite, cas, metric, a, b string) (float64, bool) {
	x, ok1 := r.med(suite, cas, a, metric)
	y, ok2 := r.med(suite, cas, b, metric)
	if !ok1 || !ok2 || y == 0 {
		return math.NaN(), false
	}
	return x / y, true
}

// has reports whether suite has any measurement of impl.
func (r *results) has(suite, impl string) bool { return slices.Contains(r.impls[suite], impl) }

// hasMetric reports whether any server in suite has values of metric.
func (r *results) hasMetric(suite, metric string) bool {
	for k := range r.vals {
		if k.suite == suite && k.metric == metric {
			return true
		}
	}
	return false
}
