"""Great Expectations suites for the staged tables and the step that validates frames against them."""
