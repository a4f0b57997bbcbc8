//! Every misuse of the attributes is a compile error at the offending token that says how to
//! fix it (`ui/fail/NAME.rs` beside its reviewed `NAME.stderr`), and correct uses compile.

#[test]
fn attribute_misuses_are_compile_errors() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/fail/*.rs");
    cases.pass("ui/pass/*.rs");
}
