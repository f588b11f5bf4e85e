//! Words and sentences: the small vocabulary of text handling the analysis is built on.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;
use rust_stemmers::{Algorithm, Stemmer};

/// Compiles a pattern of the analysis. Patterns are written once and compiled on first
/// use; an ASCII-only pattern gets ASCII word boundaries, which compile far faster than
/// Unicode ones and mean the same for English keywords.
pub fn re(pattern: &str) -> Regex {
    let pattern = if pattern.is_ascii() {
        std::borrow::Cow::Owned(pattern.replace(r"\b", r"(?-u:\b)"))
    } else {
        std::borrow::Cow::Borrowed(pattern)
    };
    Regex::new(&pattern).expect("static regex")
}

/// [`re`] for a set of patterns matched in one pass.
pub fn re_set(patterns: &[&str]) -> regex::RegexSet {
    let patterns = patterns.iter().map(|p| {
        if p.is_ascii() {
            p.replace(r"\b", r"(?-u:\b)")
        } else {
            p.to_string()
        }
    });
    regex::RegexSet::new(patterns).expect("static regex set")
}

/// Lower-cased words with typographic apostrophes folded, digits kept ("2,500" → "2500").
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_word(text, |w| out.push(w.to_string()));
    out
}

/// Calls `f` with each word of `text` as [`words`] cuts them, without allocating per
/// word: the hot loops (quote detection, prints) hash words as they come.
pub fn for_each_word(text: &str, mut f: impl FnMut(&str)) {
    // Most words of mail are plain lower-case ASCII: those are handed on as slices of
    // `text`; only a word that must change (capitals, curly apostrophes, "2,500", other
    // scripts) is copied into `buf`.
    let bytes = text.as_bytes();
    let mut start = usize::MAX; // where the current word began; MAX: between words
    let mut owned = false; // the current word lives in `buf`
    let mut buf = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if is_plain(b) {
            // A run of plain bytes is taken whole: one step instead of one per byte.
            let end = bytes[i..]
                .iter()
                .position(|&b| !is_plain(b))
                .map_or(bytes.len(), |n| i + n);
            if owned {
                buf.push_str(&text[i..end]);
            } else if start == usize::MAX {
                start = i;
            }
            i = end;
            continue;
        }
        if b == b' ' {
            // The common end of a word; what the general path below does for it.
            if start != usize::MAX {
                emit(text, start, i, owned, &buf, &mut f);
                start = usize::MAX;
                owned = false;
            }
            i += 1;
            continue;
        }
        let (c, len) = if b < 0x80 {
            (b as char, 1)
        } else {
            let c = text[i..]
                .chars()
                .next()
                .unwrap_or(char::REPLACEMENT_CHARACTER);
            (c, c.len_utf8())
        };
        let in_word = start != usize::MAX;
        if c.is_alphanumeric() {
            if !owned {
                buf.clear();
                if in_word {
                    buf.push_str(&text[start..i]);
                }
                start = i;
                owned = true;
            }
            if b.is_ascii() {
                buf.push(c.to_ascii_lowercase());
            } else {
                buf.extend(c.to_lowercase());
            }
        } else if in_word && matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '`' | ',' | '.') {
            let next = &text[i + len..];
            let word = if owned { buf.as_str() } else { &text[start..i] };
            // Keep "don't" and "2,500" / "2.5" together, split "end." and "a, b".
            let joins = if matches!(c, ',' | '.') {
                next.as_bytes().first().is_some_and(u8::is_ascii_digit)
                    && word.bytes().all(|d| d.is_ascii_digit())
            } else {
                next.chars().next().is_some_and(char::is_alphabetic)
            };
            if !joins {
                emit(text, start, i, owned, &buf, &mut f);
                start = usize::MAX;
                owned = false;
            } else if c != '\'' || owned {
                if !owned {
                    buf.clear();
                    buf.push_str(&text[start..i]);
                    owned = true;
                }
                if c != ',' && c != '.' {
                    buf.push('\'');
                }
            }
        } else if in_word {
            emit(text, start, i, owned, &buf, &mut f);
            start = usize::MAX;
            owned = false;
        }
        i += len;
    }
    if start != usize::MAX {
        emit(text, start, bytes.len(), owned, &buf, &mut f);
    }
}

/// Lower-case ASCII letters and digits: word bytes that go into a word unchanged.
fn is_plain(b: u8) -> bool {
    // A table: one load per byte in the hottest loop of the analysis.
    static PLAIN: [bool; 256] = {
        let mut t = [false; 256];
        let mut b = 0;
        while b < 256 {
            t[b] = (b as u8).is_ascii_lowercase() || (b as u8).is_ascii_digit();
            b += 1;
        }
        t
    };
    PLAIN[usize::from(b)]
}

// Always inlined: called for every word, and most words take only its first checks.
#[inline(always)]
fn emit(text: &str, start: usize, end: usize, owned: bool, buf: &str, f: &mut impl FnMut(&str)) {
    let all = if owned { buf } else { &text[start..end] };
    // "14th" and "14" name the same day; "G4s" and "G4" the same model.
    let word = if all.as_bytes()[0].is_ascii_digit() && all.len() > 2 {
        ["st", "nd", "rd", "th"]
            .iter()
            .find_map(|suffix| {
                all.strip_suffix(suffix)
                    .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
            })
            .unwrap_or(all)
    } else {
        all
    };
    let word = if word.len() > 2 && word.ends_with('s') && word.bytes().any(|b| b.is_ascii_digit())
    {
        &word[..word.len() - 1]
    } else {
        word
    };
    f(word);
}

/// Whitespace-collapsed text with typographic apostrophes made plain, so that patterns
/// written with "'" read "can’t" too.
pub fn squash(text: &str) -> String {
    // Sentences are cut right after their mark, so most start with the space that
    // followed it: trimmed, they are squashed already and take the quick path below.
    let text = text.trim();
    if text.is_ascii() {
        // Most sentences: no curly apostrophes to fold, and the words can be cut at
        // whitespace bytes without decoding characters. Most are squashed already.
        let bytes = text.as_bytes();
        if is_squashed(text) {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        while i < bytes.len() {
            if is_ascii_space(bytes[i]) {
                i += 1;
                continue;
            }
            let end = bytes[i..]
                .iter()
                .position(|&b| is_ascii_space(b))
                .map_or(bytes.len(), |n| i + n);
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&text[i..end]);
            i = end;
        }
        return out;
    }
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.chars() {
            out.push(if matches!(c, '\u{2019}' | '\u{2018}') {
                '\''
            } else {
                c
            });
        }
    }
    out
}

/// Trimmed ASCII text with words parted by single spaces.
fn is_squashed(trimmed: &str) -> bool {
    // Looked at whole rather than stopping at the first tab: a loop without an early
    // exit is run many bytes at a time.
    let tabs_or_breaks = trimmed
        .bytes()
        .fold(false, |seen, b| seen | (is_ascii_space(b) && b != b' '));
    !tabs_or_breaks && !trimmed.contains("  ")
}

/// The ASCII characters `char::is_whitespace` (and so `split_whitespace`) cuts at: unlike
/// `u8::is_ascii_whitespace`, this includes the vertical tab.
fn is_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t'..=b'\r')
}

static STEMMER: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

pub fn stem(word: &str) -> String {
    STEMMER.stem(word).into_owned()
}

/// Words that say nothing about the topic of an ask or an answer.
pub fn is_stopword(word: &str) -> bool {
    // Hashed: every word of every sentence judged is looked up.
    static SET: LazyLock<HashSet<&str>> = LazyLock::new(|| STOPWORDS.iter().copied().collect());
    word.len() < 2 || SET.contains(word)
}

/// Sorted, to be read and kept free of repeats.
const STOPWORDS: &[&str] = &[
    "a",
    "able",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "anyone",
    "anything",
    "are",
    "aren't",
    "around",
    "as",
    "at",
    "back",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "can't",
    "cannot",
    "check",
    "confirm",
    "could",
    "couldn't",
    "dear",
    "did",
    "didn't",
    "do",
    "does",
    "doesn't",
    "doing",
    "don't",
    "down",
    "during",
    "each",
    "either",
    "else",
    "even",
    "ever",
    "every",
    "few",
    "fine",
    "for",
    "from",
    "further",
    "get",
    "give",
    "going",
    "gonna",
    "good",
    "got",
    "great",
    "had",
    "hadn't",
    "has",
    "hasn't",
    "have",
    "haven't",
    "having",
    "he",
    "he'd",
    "he'll",
    "he's",
    "hello",
    "her",
    "here",
    "here's",
    "hers",
    "herself",
    "hey",
    "hi",
    "him",
    "himself",
    "his",
    "how",
    "how's",
    "i",
    "i'd",
    "i'll",
    "i'm",
    "i've",
    "if",
    "in",
    "into",
    "is",
    "isn't",
    "it",
    "it's",
    "its",
    "itself",
    "just",
    "know",
    "let",
    "let's",
    "like",
    "make",
    "may",
    "maybe",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "mustn't",
    "my",
    "myself",
    "need",
    "needs",
    "no",
    "nope",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "ok",
    "okay",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "ought",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "perhaps",
    "please",
    "quick",
    "quickly",
    "really",
    "same",
    "see",
    "send",
    "sent",
    "shall",
    "shan't",
    "share",
    "she",
    "she'd",
    "she'll",
    "she's",
    "should",
    "shouldn't",
    "so",
    "some",
    "somebody",
    "someone",
    "something",
    "still",
    "such",
    "sure",
    "tell",
    "than",
    "thank",
    "thanks",
    "that",
    "that's",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "there's",
    "these",
    "they",
    "they'd",
    "they'll",
    "they're",
    "they've",
    "thing",
    "things",
    "think",
    "this",
    "those",
    "through",
    "thus",
    "time",
    "to",
    "too",
    "two",
    "under",
    "until",
    "up",
    "upon",
    "us",
    "very",
    "via",
    "want",
    "wanted",
    "was",
    "wasn't",
    "we",
    "we'd",
    "we'll",
    "we're",
    "we've",
    "well",
    "were",
    "weren't",
    "what",
    "what's",
    "when",
    "when's",
    "where",
    "where's",
    "whether",
    "which",
    "while",
    "who",
    "who's",
    "whom",
    "whose",
    "why",
    "why's",
    "will",
    "with",
    "won't",
    "wonder",
    "wondering",
    "would",
    "wouldn't",
    "yeah",
    "yep",
    "yes",
    "yet",
    "you",
    "you'd",
    "you'll",
    "you're",
    "you've",
    "your",
    "yours",
    "yourself",
    "yourselves",
    "yup",
];

/// A topic word, stemmed, with the groups of words that answer for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stem {
    pub text: String,
    /// Bit n set: the word belongs to `RELATED[n]`.
    pub groups: u32,
}

/// Words that answer for each other in business mail ("shipped" / "went out" /
/// "tracking"), as stem prefixes.
const RELATED: &[&[&str]] = &[
    &[
        "ship", "shipment", "dispatch", "went", "tracking", "courier", "deliv", "deliveri", "sent",
        "post", "mail",
    ],
    &[
        "price", "cost", "quot", "rate", "fee", "total", "charg", "invoic", "bill", "pricing",
        "premium", "budget", "$",
    ],
    &["call", "ring", "phone", "contact", "reach", "number"],
    &["date", "day", "when", "schedul", "deadlin"],
    &[
        "attend",
        "peopl",
        "guest",
        "headcount",
        "person",
        "particip",
    ],
    &["meet", "meetup", "kickoff", "call", "session"],
    &["approv", "ok", "agre", "fine", "accept"],
    &["annual", "year"],
    &["pay", "invoic", "bill", "remitt"],
    &["middl", "centr", "center"],
    &["photo", "pictur", "scan", "imag", "copi"],
    &["weekend", "saturday", "sunday"],
    &["reimburs", "expens", "travel"],
    &["cert", "certif", "certifi", "licens", "accredit"],
    &[
        "stock",
        "avail",
        "inventori",
        "backord",
        "shelf",
        "warehous",
    ],
    &[
        "vegetarian",
        "vegan",
        "meat",
        "diet",
        "allerg",
        "gluten",
        "halal",
        "kosher",
    ],
    &[
        "instructor",
        "coach",
        "trainer",
        "guid",
        "teacher",
        "staff",
        "supervis",
    ],
    &["equat", "formula", "eq"],
];

fn groups_of(stem: &str) -> u32 {
    RELATED
        .iter()
        .enumerate()
        .filter(|(_, g)| g.iter().any(|p| stem.starts_with(p)))
        .fold(0, |mask, (n, _)| mask | 1 << n)
}

/// Stems of the words that carry the topic of `text`.
pub fn content_stems(text: &str) -> Vec<Stem> {
    let mut out: Vec<Stem> = Vec::new();
    STEMS.with_borrow_mut(|cache| {
        for_each_word(text, |w| {
            if is_stopword(w) {
                return;
            }
            if let Some(known) = cache.get(w) {
                if !out.iter().any(|s| s.text == known.text) {
                    out.push(known.clone());
                }
                return;
            }
            if cache.len() >= STEM_CACHE_WORDS {
                cache.clear();
            }
            let text = stem(w);
            let fresh = Stem {
                groups: groups_of(&text),
                text,
            };
            if !out.iter().any(|s| s.text == fresh.text) {
                out.push(fresh.clone());
            }
            cache.insert(w.to_string(), fresh);
        });
    });
    out
}

thread_local! {
    /// Words stemmed before: stemming is most of the cost of reading a message, and
    /// mail repeats its words.
    static STEMS: std::cell::RefCell<std::collections::HashMap<String, Stem>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// Bounds the cache (a few MB) on a long-running daemon.
const STEM_CACHE_WORDS: usize = 50_000;

/// A sentence or list item of a message's own text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    pub text: String,
    /// Index of the paragraph it is in; list items share their list's paragraph.
    pub para: usize,
    pub list: Option<ListItem>,
    /// Index, among the message's lines, of the line the sentence ends on.
    pub last_line: usize,
    /// The sentence is the last of its paragraph and the text goes on to a list.
    pub introduces_list: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListItem {
    /// 1 for "1." or "a)", 0 for bullets.
    pub number: u32,
    /// Counts lists within the message so items of one list stay together.
    pub list: usize,
    /// Counts items within the message so sentences of one item stay together.
    pub item: usize,
}

/// A list marker and the space after it. The item's text is what follows: matching it as
/// part of the pattern would make the captures walk the whole line.
static LIST_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*(?:(\d{1,2})\s*[.):]|\(?(\d{1,2})\)|\(?([a-hA-H])[.)]|[-*•·▪◦–]|#(\d{1,2}))\s+",
    )
    .expect("static regex")
});

/// Parses a list marker: returns (number, the item's text). Bullets have number 0.
pub fn list_marker(line: &str) -> Option<(u32, &str)> {
    // Most lines are prose: only one whose first character can begin a marker is worth
    // the pattern's captures.
    let mut chars = line.trim_start().chars();
    let could_be = match chars.next()? {
        '(' | '-' | '*' | '•' | '·' | '▪' | '◦' | '–' | '#' => true,
        'a'..='h' | 'A'..='H' => matches!(chars.next(), Some('.' | ')')),
        c => c.is_numeric(),
    };
    if !could_be {
        return None;
    }
    let caps = LIST_MARKER.captures(line)?;
    let number = if let Some(n) = caps.get(1).or(caps.get(2)).or(caps.get(4)) {
        n.as_str().parse().ok()?
    } else if let Some(letter) = caps.get(3) {
        u32::from(letter.as_str().to_ascii_lowercase().as_bytes()[0] - b'a' + 1)
    } else {
        0
    };
    // The marker's spaces were taken greedily: the text starts at a non-space, if any, and
    // is one line.
    let text = &line[caps.get(0)?.end()..];
    if text.is_empty() || text.contains('\n') {
        return None;
    }
    Some((number, text))
}

/// Splits text lines into sentences and list items. `lines` holds (line index, text) of
/// consecutive own-text lines; blank lines separate paragraphs.
pub fn sentences(lines: &[(usize, &str)]) -> Vec<Sentence> {
    let mut out = Vec::new();
    let mut para = 0usize;
    let mut list_count = 0usize;
    let mut in_list = false;
    let mut prose: Vec<(usize, &str)> = Vec::new();
    let mut item: Option<(u32, String, usize)> = None;
    let mut items = 0usize;

    // A list item may hold several sentences; each keeps the item's number.
    let mut flush_item = |item: &mut Option<(u32, String, usize)>,
                          out: &mut Vec<Sentence>,
                          para: usize,
                          list: usize| {
        if let Some((number, text, last)) = item.take() {
            let from = out.len();
            push_sentences(&text, para, last, out);
            items += 1;
            for s in &mut out[from..] {
                s.list = Some(ListItem {
                    number,
                    list,
                    item: items,
                });
            }
        }
    };

    for &(idx, line) in lines {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            flush_item(&mut item, &mut out, para, list_count);
            split_prose(&prose, para, &mut out);
            if !prose.is_empty() || in_list {
                para += 1;
            }
            prose.clear();
            // A list goes on across blank lines between its items.
            continue;
        }
        if let Some((number, text)) = list_marker(line) {
            flush_item(&mut item, &mut out, para, list_count);
            if !prose.is_empty() {
                split_prose(&prose, para, &mut out);
                if let Some(last) = out.last_mut() {
                    last.introduces_list = true;
                }
                prose.clear();
            } else if !in_list
                && let Some(last) = out.last_mut()
                && last.list.is_none()
            {
                // The intro may sit in the paragraph above, after a blank line.
                last.introduces_list = true;
            }
            if !in_list {
                list_count += 1;
                in_list = true;
            }
            item = Some((number, text.to_string(), idx));
            continue;
        }
        if let Some((_, text, last)) = item.as_mut() {
            // A wrapped list item goes on until a blank line or the next marker.
            text.push(' ');
            text.push_str(trimmed);
            *last = idx;
            continue;
        }
        in_list = false;
        prose.push((idx, line));
    }
    flush_item(&mut item, &mut out, para, list_count);
    split_prose(&prose, para, &mut out);
    out
}

/// Splits one paragraph of prose into sentences.
fn split_prose(lines: &[(usize, &str)], para: usize, out: &mut Vec<Sentence>) {
    if lines.is_empty() {
        return;
    }
    // Lines much shorter than the paragraph's longest were ended by hand, not wrapped: a
    // line of their own is a sentence of its own when the next starts a new one.
    let widest = lines
        .iter()
        .map(|(_, l)| l.trim_end().len())
        .max()
        .unwrap_or(0);
    let mut buf = String::new();
    let mut buf_last = lines[0].0;
    for (n, &(idx, line)) in lines.iter().enumerate() {
        let line = line.trim();
        if !buf.is_empty() {
            buf.push(' ');
        }
        buf.push_str(line);
        buf_last = idx;
        let next_starts_upper = lines
            .get(n + 1)
            .and_then(|(_, l)| l.trim_start().chars().next())
            .is_some_and(|c| c.is_uppercase() || c == '@');
        let hand_broken = line.len() + 15 < widest || widest < 50;
        let ends_sentence = line.ends_with(['.', '?', '!', ':', ';']);
        // A question that ends its line by hand ends there, whatever case follows.
        let question_ends_line = line.ends_with('?') && hand_broken && n + 1 < lines.len();
        if (next_starts_upper && hand_broken && !ends_sentence) || question_ends_line {
            push_sentences(&buf, para, idx, out);
            buf.clear();
        }
    }
    push_sentences(&buf, para, buf_last, out);
}

const ABBREVIATIONS: &[&str] = &[
    "e.g", "i.e", "etc", "vs", "mr", "mrs", "ms", "dr", "prof", "inc", "ltd", "co", "jr", "sr",
    "st", "no", "approx", "fig", "cf", "al", "ca", "resp", "incl", "dept", "est", "min", "max",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "tel",
    "ph", "nr", "bzw", "z.b", "u.a", "ggf", "usw", "iow", "approx", "sgt", "capt", "lt", "col",
    "gen", "rev", "hon", "gov", "sen", "rep", "mt", "ft", "ave", "blvd", "corp",
];

/// The length of the longest of [`ABBREVIATIONS`].
const ABBREVIATION_MAX: usize = 6;

fn push_sentences(text: &str, para: usize, last_line: usize, out: &mut Vec<Sentence>) {
    let push = |piece: &str, out: &mut Vec<Sentence>| {
        let sentence = squash(piece);
        if !sentence.is_empty() {
            out.push(Sentence {
                text: sentence,
                para,
                list: None,
                last_line,
                introduces_list: false,
            });
        }
    };
    let mut start = 0usize;
    let mut from = 0usize;
    // Only the places where a sentence may end are looked at.
    while let Some(pos) = next_sentence_mark(text, from) {
        let Some(c) = text[pos..].chars().next() else {
            break;
        };
        // Swallow runs like "?!" or "..." and closing quotes/brackets.
        let tail = &text[pos + c.len_utf8()..];
        let closing = tail
            .char_indices()
            .find(|(_, n)| !matches!(n, '.' | '?' | '!' | '"' | '\'' | ')' | '”' | '’' | ']'))
            .map_or(tail.len(), |(i, _)| i);
        let end = pos + c.len_utf8() + closing;
        from = end;
        let rest = &text[end..];
        let spaced = rest.chars().next().is_none_or(char::is_whitespace);
        let next = rest.chars().find(|c| !c.is_whitespace());
        let starts_new = next.is_none_or(|n| {
            n.is_uppercase()
                || n.is_ascii_digit()
                || matches!(n, '"' | '\'' | '(' | '@' | '“' | '[' | '-' | '*')
                // After "?" a new question may start in lower case.
                || (c != '.' && starts_question(rest))
        });
        if spaced && starts_new && !(c == '.' && is_abbreviation(&text[start..pos])) {
            push(&text[start..end], out);
            start = end;
        }
    }
    push(&text[start..], out);
}

/// Where the next '.', '?', '!' or '…' is in `text` from byte `from` on. The ASCII marks
/// are single bytes, searched for many bytes at a time; the rare '…' is then looked for
/// only before the first of them.
fn next_sentence_mark(text: &str, from: usize) -> Option<usize> {
    let rest = &text[from..];
    let ascii = memchr::memchr3(b'.', b'?', b'!', rest.as_bytes()).unwrap_or(rest.len());
    let mark = rest[..ascii].find('…').unwrap_or(ascii);
    (mark < rest.len()).then_some(from + mark)
}

/// "? have you checked ..." starts a new question; "? or is it ..." and "(7.125?) in
/// figure 7" go on with the same sentence.
fn starts_question(rest: &str) -> bool {
    let word = rest.split_whitespace().next().unwrap_or("");
    matches!(
        word.trim_matches(|c: char| !c.is_alphanumeric()),
        "what"
            | "how"
            | "why"
            | "when"
            | "where"
            | "who"
            | "which"
            | "is"
            | "are"
            | "do"
            | "does"
            | "did"
            | "can"
            | "could"
            | "would"
            | "will"
            | "should"
            | "have"
            | "has"
            | "any"
            | "shall"
            | "may"
    )
}

fn is_abbreviation(before: &str) -> bool {
    let word = before
        .rsplit(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("");
    if !word.is_ascii() {
        // Lower-casing may change the length of other scripts; take the long way.
        let word = word.to_lowercase();
        let initial = word.chars().count() == 1 && word.chars().all(char::is_alphabetic);
        return initial || ABBREVIATIONS.contains(&word.trim_end_matches('.'));
    }
    // Initials ("J. Smith") are not sentence ends either; "from 7." is.
    let initial = word.len() == 1 && word.as_bytes()[0].is_ascii_alphabetic();
    let bare = word.trim_end_matches('.');
    // Most words ending a sentence are longer than any abbreviation.
    initial
        || (bare.len() <= ABBREVIATION_MAX
            && ABBREVIATIONS.iter().any(|a| a.eq_ignore_ascii_case(bare)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<String> {
        let lines: Vec<(usize, &str)> = text.lines().enumerate().collect();
        sentences(&lines).into_iter().map(|s| s.text).collect()
    }

    #[test]
    fn stopwords_are_sorted_and_found() {
        assert!(STOPWORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(is_stopword("the") && is_stopword("don't") && !is_stopword("invoice"));
    }

    #[test]
    fn words_keep_numbers_and_contractions() {
        assert_eq!(
            words("Yes, 2,500 is right."),
            vec!["yes", "2500", "is", "right"]
        );
        assert_eq!(words("Don’t ship 1.5 t"), vec!["don't", "ship", "15", "t"]);
        assert_eq!(
            words("It's the 2,500th ÉCOLE run, a.b G4s `n'"),
            vec!["it's", "the", "2500", "école", "run", "a", "b", "g4", "n"]
        );
    }

    #[test]
    fn splits_questions_in_a_paragraph() {
        let s = split(
            "Which day works? Also, will your crew have a forklift, or a liftgate? Finally, who should call?",
        );
        assert_eq!(s.len(), 3);
    }

    #[test]
    fn question_going_on_in_lower_case_stays_one() {
        let s = split("Did you apply any optimization? or is it based on direct sampling?");
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn abbreviations_do_not_split() {
        let s = split("Please send e.g. the invoice to Mr. Smith by Friday. Thanks.");
        assert_eq!(s.len(), 2, "{s:?}");
    }

    #[test]
    fn list_markers() {
        for (line, want) in [
            ("1. Send the quote", Some((1, "Send the quote"))),
            ("  12) Call", Some((12, "Call"))),
            ("(3) Sign", Some((3, "Sign"))),
            ("b) Book", Some((2, "Book"))),
            ("(C). Check", None),
            ("(c) Check", Some((3, "Check"))),
            ("- Desks", Some((0, "Desks"))),
            ("• Chairs", Some((0, "Chairs"))),
            ("#4 Keys", Some((4, "Keys"))),
            ("Hello Dana", None),
            ("A.B. Smith wrote", None),
            ("I. think", None),
            ("2026 was good", None),
            ("-", None),
        ] {
            assert_eq!(list_marker(line), want, "{line:?}");
        }
    }

    #[test]
    fn list_items_are_sentences_and_mark_their_intro() {
        let lines: Vec<(usize, &str)> =
            "A few things:\n1. Can you confirm?\n2) Please send the\n   quote.\n- Bullet"
                .lines()
                .enumerate()
                .collect();
        let s = sentences(&lines);
        assert_eq!(s.len(), 4);
        assert!(s[0].introduces_list);
        assert_eq!(s[1].list.map(|l| l.number), Some(1));
        assert_eq!(s[2].text, "Please send the quote.");
        assert_eq!(s[3].list.map(|l| l.number), Some(0));
    }

    #[test]
    fn squash_collapses_every_whitespace_and_folds_apostrophes() {
        assert_eq!(squash("  a\tb\x0bc\r\n d  "), "a b c d");
        assert_eq!(squash("it’s\u{a0} ‘fine’\u{2028}ok"), "it's 'fine' ok");
        assert_eq!(squash(" \t "), "");
        assert_eq!(squash("already plain words"), "already plain words");
        assert_eq!(squash("a  b "), "a b");
        assert_eq!(squash(" a"), "a");
    }

    #[test]
    fn sentence_marks_among_other_typographic_characters() {
        // “ ” — ’ share their first byte with '…'.
        assert_eq!(
            split("He said “fine”… Then left — it’s odd. OK"),
            vec!["He said “fine”…", "Then left — it's odd.", "OK"]
        );
    }

    #[test]
    fn abbreviations_in_any_case() {
        assert_eq!(
            ABBREVIATIONS.iter().map(|a| a.len()).max(),
            Some(ABBREVIATION_MAX)
        );
        assert!(is_abbreviation("Please ask DR"));
        assert!(is_abbreviation("see (e.g"));
        assert!(is_abbreviation("J"));
        assert!(!is_abbreviation("from 7"));
        assert!(!is_abbreviation("the end"));
        assert!(is_abbreviation("Élodie É"));
    }

    #[test]
    fn hand_broken_lines_are_separate_sentences() {
        let s = split("Quick list for Monday\nBudget sign-off from finance\nNew hire paperwork");
        assert_eq!(s.len(), 3, "{s:?}");
    }
}
