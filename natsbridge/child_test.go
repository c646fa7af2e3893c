package natsbridge_test

const childEnv = "NATSBRIDGE_TEST_CHILD"

func runChild() int { return 0 }
