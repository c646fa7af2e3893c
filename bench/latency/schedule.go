package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// tier is one class of responses: Weight of every cycle of responses on a
// connection are delayed by Delay.
type tier struct {
	Delay  time.Duration
	Weight int
}

// schedule is the delay of each response in a cycle; response k of a
// connection whose cycle starts at offset o gets slots[(o+k)%len(slots)].
// The tiers are interleaved over the cycle (by a stride coprime with its
// length) so that long delays are spread out rather than back to back.
type schedule struct {
	tiers []tier
	slots []time.Duration
}

// parseSchedule parses "delay:weight,delay:weight,...", for example
// "0:40,5ms:45,10ms:12,20ms:3": out of every 100 responses on a connection,
// 40 are immediate, 45 wait 5ms, 12 wait 10ms and 3 wait 20ms. Delays must
// be distinct and ascending.
func parseSchedule(s string) (*schedule, error) {
	var tiers []tier
	for part := range strings.SplitSeq(s, ",") {
		d, w, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			return nil, fmt.Errorf("tier %q is not delay:weight", part)
		}
		var delay time.Duration
		if d != "0" {
			var err error
			if delay, err = time.ParseDuration(d); err != nil {
				return nil, fmt.Errorf("tier %q: %v", part, err)
			}
		}
		weight, err := strconv.Atoi(w)
		if err != nil || weight <= 0 || delay < 0 {
			return nil, fmt.Errorf("tier %q: want a delay >= 0 and a positive weight", part)
		}
		if n := len(tiers); n > 0 && delay <= tiers[n-1].Delay {
			return nil, fmt.Errorf("tier %q: delays must ascend", part)
		}
		tiers = append(tiers, tier{delay, weight})
	}
	var seq []time.Duration
	for _, t := range tiers {
		seq = append(seq, slices.Repeat([]time.Duration{t.Delay}, t.Weight)...)
	}
	n := len(seq)
	stride := 1
	for _, s := range []int{37, 31, 29, 23, 19, 17, 13, 11, 7} {
		if s < n && gcd(s, n) == 1 {
			stride = s
			break
		}
	}
	slots := make([]time.Duration, n)
	for i, d := range seq {
		slots[i*stride%n] = d
	}
	return &schedule{tiers: tiers, slots: slots}, nil
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// quantile returns the delay of the tier holding quantile p (in [0, 100])
// of the responses, by count: what a percentile of the latency must be at
// least, and the RTT more at most.
func (s *schedule) quantile(p float64) time.Duration {
	rank := p / 100 * float64(len(s.slots))
	sum := 0
	for _, t := range s.tiers {
		sum += t.Weight
		if rank < float64(sum) {
			return t.Delay
		}
	}
	return s.tiers[len(s.tiers)-1].Delay
}
