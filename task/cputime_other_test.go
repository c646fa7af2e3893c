//go:build !unix

package task_test

func processCPU() int64 { return -1 }
