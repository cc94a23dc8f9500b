//! Prints jieba's part-of-speech tags for each argument, with the project's user dictionary:
//! a quick look at how a phrase is segmented when tuning subjects.
fn main() {
    let lex = jixiao::extract::lexicon::Lexicon::load();
    for s in std::env::args().skip(1) {
        let t: Vec<String> = lex.segmenter.with_tags(&s, |tags| {
            tags.iter()
                .map(|t| format!("{}/{}", t.word, t.tag))
                .collect()
        });
        println!("{}", t.join(" "));
    }
}
