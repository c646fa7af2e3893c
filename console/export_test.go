package console

// ConnColumns exposes connColumns to the tests.
var ConnColumns = connColumns
