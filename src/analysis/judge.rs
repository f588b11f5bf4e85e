//! Judging one reply against the asks: answered, deferred, or left open.
//!
//! A reply answers in one of a few shapes, tried in this order:
//! - inline: new text written right under the quoted ask (with `>` or inside an
//!   Outlook quote, found by lining the reply up against the sent text);
//! - numbered: "1) ... 2) ..." matched to the asks' numbers or order;
//! - blanket: "yes to all four";
//! - prose: sentences matched to asks by shared words and by the kind of answer an ask
//!   wants (a day for "when", a number for "how many", one of the options for "A or B",
//!   yes/no for a yes/no question, an attachment for "please send me the file").
//!
//! Acknowledgements ("Thanks, will look at this") and counter-questions answer nothing;
//! promises for later ("I'll get back to you on the budget by Friday") defer.

use std::collections::HashSet;
use std::sync::LazyLock;

use jiff::civil::{Date, Weekday};
use regex::Regex;
use serde::{Deserialize, Serialize};

use super::text::{content_stems, list_marker, sentences, squash, words};
use super::zone::{Kind, Zoned};
use super::{Ask, Status};
use crate::message::Message;

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("static regex")
}

/// A compact print of the sent text (hashes of its word triples), enough to tell which
/// lines of a reply quote it. Kept instead of the body, which the store never holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentPrint(Vec<u32>);

/// Word triples beyond this are not printed: a huge sent message is mostly quoted history,
/// and replies quote its top.
const PRINT_LIMIT: usize = 60_000;

impl SentPrint {
    pub fn of(text: &str) -> SentPrint {
        let w: Vec<u32> = words(text).iter().map(|w| hash(w)).collect();
        let mut grams: Vec<u32> = w.windows(3).take(PRINT_LIMIT).map(triple).collect();
        grams.sort_unstable();
        grams.dedup();
        SentPrint(grams)
    }

    fn contains(&self, gram: u32) -> bool {
        self.0.binary_search(&gram).is_ok()
    }
}

fn hash(word: &str) -> u32 {
    // FNV-1a: stable across runs and versions, unlike std's hasher, so stored prints stay
    // valid after an upgrade.
    let mut h: u32 = 0x811c_9dc5;
    for b in word.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

fn triple(w: &[u32]) -> u32 {
    w[0].wrapping_mul(0x9E37_79B1)
        ^ w[1].rotate_left(11).wrapping_mul(0x85EB_CA77)
        ^ w[2].rotate_left(23)
}

/// Where a reply line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// Quotes the sent message.
    Sent,
    /// Written by the replier (or quoting something else).
    New,
    Blank,
    /// Attribution, signature, disclaimer, forwarded: never an answer.
    Furniture,
}

/// What a sentence of a reply does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Answer,
    Defer,
    /// Thanks, greetings, questions back, requests back: answer nothing.
    Nothing,
}

static ACK: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?ix)^(
        (many\s+)?thanks?(\s+you)?(\s+(so|very)\s+much)?(\s+(for|again)\b.*)?
      | thx.* | ty | cheers | got\s+it.* | received.* | noted.* | understood.* | will\s+do.*
      | (ok|okay|great|perfect|cool|awesome|excellent|wonderful|lovely|nice)(\s+thanks?.*)?
      | (hi|hello|hey|dear|good\s+(morning|afternoon|evening))\b.{0,40}
      | (i\s+)?hope\s+.* | (happy|glad)\s+to\s+help.* | (sorry|apologies)\s+for\s+the\s+(delay|late).*
      | answers?\s+(below|inline|in\s+line).* | see\s+(my\s+)?(answers|responses|comments)\s+(below|inline).*
      | please\s+see\s+(my\s+)?(answers|responses|comments|below|inline).* | (my\s+)?(answers|responses|comments)\s+(are\s+)?(below|inline).*
      | good\s+(question|point|catch).* | interesting.* | (i\s+)?like\s+(that|this|the)\s+(idea|solution|approach|plan).*
      | (i'll|i\s+will|we'll|we\s+will)\s+(take|use|consider|keep)\s+(your|the|these|those)\s+(suggestions?|advice|ideas?|points?|feedback).*
      | thanks?\s+for\s+.*
    )[.!]*$")
});

static DEFER: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?ix)
        \b(get|come|circle|revert)\s+back\s+to\s+you\b
      | \b(i'll|i\s+will|we'll|we\s+will|let\s+me|i\s+need\s+to|i\s+have\s+to|i'd\s+need\s+to|we\s+need\s+to|i\s+must|i'm\s+going\s+to|i\s+am\s+going\s+to|i\s+want\s+to)\s+(first\s+)?(double-?\s*)?(check|confirm|find\s+out|look\s+into|look\s+at|verify|ask|dig|investigate|think|review|consult|run\s+it\s+by|talk\s+to|speak\s+(to|with)|get\s+(it|that|them|this|those)\s+(to|over))\b
      | \b(i'll|i\s+will|we'll|we\s+will|i'm\s+going\s+to|we're\s+going\s+to)\s+(take|have)\s+a\s+(closer\s+)?look\b
      | \b(i'll|i\s+will|we'll|we\s+will|she'll|he'll|they'll)\s+(send|share|forward|get|have|provide|email|confirm)\b.*\b(later|tomorrow|tonight|soon|shortly|once|after|when|by|next|end\s+of|monday|tuesday|wednesday|thursday|friday|saturday|sunday|this\s+(afternoon|evening|week))\b
      | \b(follow\s+up|come\s+back)\s+(on|with|about|regarding)\b
      | \b(still|currently)\s+(waiting|checking|working|looking)\b
      | \b(don't|do\s+not)\s+(know|have\s+(it|that|an\s+answer))\s+yet\b
      | \bnot\s+(sure|decided|confirmed)\s+yet\b | \byet\s+to\s+(be\s+)?(decided|confirmed)\b
      | \b(haven't|have\s+not)\s+(decided|heard|checked|had\s+a\s+chance)\b
      | \b(can't|cannot|won't|unable\s+to)\b.*\b(before|until)\b.*\b(next|after|monday|tuesday|wednesday|thursday|friday|january|february|march|april|may|june|july|august|september|october|november|december|year|week|month)\b
      | \bafter\s+my\s+(break|vacation|holiday|leave|trip)\b
      | \bwill\s+be\s+\w+\s+before\s+i\b
      | \bwill\s+(look|check)\s+(at|into)\s+(this|it|that)\b
      | ^(tbd|tba|to\s+be\s+confirmed)\b
    ")
});

/// Asks back for something: a reply made only of these answers nothing.
static ASKS_BACK: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(please\s+|can\s+you\s+|could\s+you\s+|would\s+you\s+)(re-?post|repost|resend|re-send|send|share|provide|clarify|explain|tell|forward|attach|give|post|describe|elaborate|show|check|try|ping|ask|file|open|raise)\b|^(let's|lets)\s+(ping|ask|wait)\b|^(ask|ping|try)\s+\w+",
    )
});

static BLANKET: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?ix)
        \b(yes|ok|okay|approved|agreed|confirmed|fine|sure|go\s+ahead)\s+(to|on|for)\s+(all|everything|each|both|every\s+one)\b
      | \b(all|both|everything|all\s+of\s+(them|these|those|the\s+above))\s+(two|three|four|five|six|seven|eight|nine|ten\s+)?(are|is|sound|sounds|look|looks|seem|seems)\s+(good|fine|ok|okay|great|right|correct|approved)\b
      | \b(all|both|everything)\s+(two|three|four|five|six|\s)*(approved|confirmed|agreed|good|fine|ok)\b
      | \ball\s+of\s+the\s+above\b
      | \byes\s*,?\s+(all|both)\b
      | \bapproved\s+(all|everything|on\s+all)\b
    ")
});

static REST: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(the\s+rest|the\s+others|other\s+(questions|points|items|ones|things)|everything\s+else|remaining\s+(questions|points|items|ones)|rest\s+of\s+(your|the)\s+(questions|points|list))\b",
    )
});

static YES_NO_START: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?ix)^(yes|yeah|yep|yup|no|nope|nah|sure|of\s+course|absolutely|definitely|certainly|correct|right|exactly|indeed|agreed|approved|confirmed|unfortunately|sadly|afraid\s+not|not\s+really|not\s+at\s+all|never|none|ok|okay|fine|works|that\s+works|sounds\s+good|sounds\s+great|looks\s+good|go\s+ahead|please\s+do|\+1|-1|\+0|lgtm|happy\s+to|we\s+can|we\s+can't|i\s+can|i\s+can't|we\s+do|we\s+don't|i\s+do|i\s+don't|it\s+is|it's|it\s+isn't|it's\s+not|they\s+are|they\s+aren't|that's\s+(right|correct|fine)|totally|for\s+sure|the\s+more\s+the\s+merrier|no\s+problem|not\s+a\s+problem|by\s+all\s+means)\b",
    )
});

static TIME_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?ix)\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thurs|fri|sat|sun|today|tomorrow|tonight|morning|afternoon|evening|noon|midnight|weekend|week|month|year|january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|\d{1,2}(st|nd|rd|th)|\d{1,2}:\d{2}|\d{1,2}\s*(am|pm)|q[1-4]|asap|soon|later|already|yesterday|days?|hours?|weeks?)\b",
    )
});

static NUMBER_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?ix)(\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred|thousand|dozen|half|none|zero|a\s+few|several|couple)\b|[$€£¥%])",
    )
});

static PERSON: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(\b[A-Z][a-z]+\s+[A-Z][a-z]+\b|\+?\d[\d\s().-]{7,}\d|\S+@\S+\.\w+|\b(me|him|her|them|i|i'll|myself|our\s+\w+)\b)",
    )
});

static PLACE_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(at|in|on|to|from)\s+(the\s+)?([A-Z]\w+|our|your|my|their|office|site|place|room|home|hq)\b|\b(here|there|yours|ours|office|place)\b",
    )
});

static SEND_ASK: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(send|share|forward|provide|attach|email|e-mail|resend|upload|export)\b|\b(copy|pdf|file|document|form|invoice|export|spreadsheet|csv|report|certificate|contract|deck|slides|list|quote|photo|scan|statement)\b",
    )
});

static ATTACHED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(attached|attaching|enclosed|here\s+you\s+go|here\s+it\s+is|here\s+is|here's|here\s+are|please\s+find|see\s+attached|i've\s+attached|sent\s+(it|them))\b",
    )
});

/// The kind of answer an ask wants; it lets a reply answer in other words.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Wants {
    when: bool,
    number: bool,
    who: bool,
    place: bool,
    yes_no: bool,
    send: bool,
    /// Words naming the alternatives of "A or B?".
    options: Vec<String>,
}

static WH_WHEN: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(^|\b(and|also|so)\s+)(when|what\s+time|what\s+day|which\s+day|what\s+date|which\s+date|how\s+soon|by\s+when|how\s+long)\b|\b(earliest|latest|deadline|eta|lead\s+time|schedule|date|day|days|time|timeline|when)\b",
    )
});
static WH_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\bhow\s+(many|much|long|big|often|far)\b|\b(number|quantity|count|price|cost|costs|total|rate|premium|fee|fees|budget|amount|percentage|retention|revenue|headcount|capacity|size|pricing)\b",
    )
});
static WH_WHO: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\b(who|whom|whose)\b|\bwhich\s+(person|contact|customer|client)\b"));
static WH_WHERE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\bwhere\b|\b(office|venue|location|place)\b"));
static YES_NO_ASK: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\W*(\w+[,:]?\s+)?(do|does|did|is|are|was|were|can|could|will|would|should|shall|may|might|have|has|had|am|any)\b|\b(confirm|ok\b|okay|alright|objections?|approve|agree|possible|mind)\b|\bright\s*\?|,\s*(isn't|is|right|correct|ok)\s+(it|that)?\s*\?",
    )
});

fn wants(ask: &str) -> Wants {
    let lower = ask.to_lowercase();
    Wants {
        when: WH_WHEN.is_match(&lower),
        number: WH_NUMBER.is_match(&lower),
        who: WH_WHO.is_match(&lower),
        place: WH_WHERE.is_match(&lower),
        yes_no: YES_NO_ASK.is_match(&lower),
        send: SEND_ASK.is_match(&lower)
            && lower.contains(|c: char| c.is_alphabetic())
            && (lower.contains("send")
                || lower.contains("share")
                || lower.contains("forward")
                || lower.contains("provide")
                || lower.contains("attach")
                || lower.contains("copy")
                || lower.contains("export")
                || lower.starts_with("a ")
                || lower.contains("pdf")),
        options: options(&lower),
    }
}

/// The content words right around " or " in a question: "a lavalier or a handheld mic"
/// gives lavalier, handheld.
fn options(lower: &str) -> Vec<String> {
    let w = words(lower);
    let mut out = Vec::new();
    for (i, word) in w.iter().enumerate() {
        if word != "or" {
            continue;
        }
        if let Some(before) = w[..i].iter().rev().find(|x| !super::text::is_stopword(x)) {
            out.push(super::text::stem(before));
        }
        if let Some(after) = w[i + 1..].iter().find(|x| !super::text::is_stopword(x)) {
            out.push(super::text::stem(after));
        }
    }
    out
}

/// A unit of reply text that may answer: a sentence with what it does and its words.
#[derive(Debug, Clone)]
struct Unit {
    text: String,
    act: Act,
    stems: Vec<String>,
    /// The list number when the sentence is a numbered answer ("3) ...").
    number: Option<u32>,
    para: usize,
}

/// Judges `reply` against `asks` (those of the message `print` was made from).
pub fn judge(asks: &mut [Ask], print: &SentPrint, reply: &Message, zoned: &Zoned<'_>) {
    let sources = line_sources(zoned, print);
    let located: Vec<Option<usize>> = asks.iter().map(|a| locate(&a.text, zoned)).collect();
    let has_attachment = !reply.attachments.is_empty();
    let reply_date = reply
        .date
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date());

    // 1. Inline answers, written under the quoted ask.
    let blocks = inline_blocks(zoned, &sources, &located);
    let interleaved = is_interleaved(&sources, &blocks);
    let mut decided = vec![false; asks.len()];
    if interleaved {
        for (i, block) in blocks.iter().enumerate() {
            let Some((block_text, shared)) = block else {
                continue;
            };
            let units = units_of(block_text);
            if *shared
                && !units
                    .iter()
                    .any(|u| score(&asks[i].text, &wants(&asks[i].text), u, has_attachment) >= 1.0)
                && substantive(&units) < 2
            {
                // Several asks were quoted together and the text below them speaks to
                // another one of them.
                continue;
            }
            if apply_units(&mut asks[i], &units, reply_date) {
                decided[i] = true;
            }
        }
    }

    // 2. The reply's own prose, for every ask not settled inline.
    let own: Vec<(usize, &str)> = zoned
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let fresh = l.kind.is_own() && sources[i] != Source::Sent;
            (i, if fresh { l.text } else { "" })
        })
        .collect();
    let units = units_of_lines(&own);
    judge_prose(asks, &mut decided, &units, has_attachment, reply_date);
}

fn substantive(units: &[Unit]) -> usize {
    units.iter().filter(|u| u.act == Act::Answer).count()
}

/// Sets the ask's status from a block of text written for it. True if it said anything.
fn apply_units(ask: &mut Ask, units: &[Unit], reply_date: Option<Date>) -> bool {
    if let Some(u) = units.iter().find(|u| u.act == Act::Answer) {
        let evidence = units
            .iter()
            .filter(|u| u.act != Act::Nothing)
            .map(|u| u.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        set(
            ask,
            Status::Answered,
            if evidence.is_empty() {
                &u.text
            } else {
                &evidence
            },
            None,
        );
        return true;
    }
    if let Some(u) = units.iter().find(|u| u.act == Act::Defer) {
        let until = reply_date.and_then(|d| deferred_until(&u.text, d));
        set(ask, Status::Deferred, &u.text, until);
        return true;
    }
    false
}

fn set(ask: &mut Ask, status: Status, evidence: &str, until: Option<Date>) {
    // Replies combine: an answer stands; a later answer lifts a deferral.
    if ask.status == Status::Answered {
        return;
    }
    if status == Status::Deferred && ask.status == Status::Deferred && until.is_none() {
        return;
    }
    ask.status = status;
    ask.evidence = clip(evidence);
    ask.deferred_until = if status == Status::Deferred {
        until
    } else {
        None
    };
}

fn clip(text: &str) -> String {
    const MAX: usize = 300;
    let text = squash(text);
    if text.chars().count() <= MAX {
        return text;
    }
    let mut out: String = text.chars().take(MAX).collect();
    out.push('…');
    out
}

fn judge_prose(
    asks: &mut [Ask],
    decided: &mut [bool],
    units: &[Unit],
    has_attachment: bool,
    reply_date: Option<Date>,
) {
    if units.is_empty() && !has_attachment {
        return;
    }
    let open: Vec<usize> = (0..asks.len()).filter(|&i| !decided[i]).collect();
    if open.is_empty() {
        return;
    }

    // Numbered answers: "2) 64 annual, 210 monthly." goes to the second ask (or the ask
    // numbered 2).
    let numbered: Vec<&Unit> = units.iter().filter(|u| u.number.is_some()).collect();
    if numbered.len() >= 2 {
        for (ordinal, i) in (0..asks.len()).enumerate() {
            if decided[i] {
                continue;
            }
            let n = asks[i].number.unwrap_or(ordinal as u32 + 1);
            let mine: Vec<Unit> = numbered
                .iter()
                .filter(|u| u.number == Some(n))
                .map(|u| (*u).clone())
                .collect();
            if !mine.is_empty() && apply_units(&mut asks[i], &mine, reply_date) {
                decided[i] = true;
            }
        }
    }

    // "Yes to all four", and "I'll get back to you on the rest".
    if let Some(u) = units
        .iter()
        .find(|u| u.act == Act::Answer && BLANKET.is_match(&u.text))
    {
        for i in 0..asks.len() {
            if !decided[i] {
                set(&mut asks[i], Status::Answered, &u.text, None);
                decided[i] = true;
            }
        }
        return;
    }

    // Score every open ask against every unit.
    let open: Vec<usize> = (0..asks.len()).filter(|&i| !decided[i]).collect();
    let wanted: Vec<Wants> = open.iter().map(|&i| wants(&asks[i].text)).collect();
    let mut pairs: Vec<(f32, usize, usize, bool)> = Vec::new(); // score, open idx, unit, lexical
    for (k, &i) in open.iter().enumerate() {
        for (u, unit) in units.iter().enumerate() {
            if unit.act == Act::Nothing {
                continue;
            }
            let lexical = overlap(&asks[i].text, unit) > 0.0;
            let s = score(&asks[i].text, &wanted[k], unit, has_attachment);
            if s >= 1.0 {
                pairs.push((s, k, u, lexical));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut best: Vec<Option<usize>> = vec![None; open.len()];
    let mut used_by_type_only: HashSet<usize> = HashSet::new();
    let mut used: HashSet<usize> = HashSet::new();
    for &(_, k, u, lexical) in &pairs {
        if best[k].is_some() {
            continue;
        }
        // A sentence can answer two asks when it names both; a sentence that only has
        // the right shape ("Tuesday works") answers one.
        if !lexical && (used.contains(&u) || used_by_type_only.contains(&u)) {
            continue;
        }
        if lexical && used_by_type_only.contains(&u) {
            continue;
        }
        best[k] = Some(u);
        used.insert(u);
        if !lexical {
            used_by_type_only.insert(u);
        }
    }

    // A deferral speaks for its whole paragraph ("For the seat pricing I need to check.
    // I'll get back to you on that.").
    for (k, &i) in open.iter().enumerate() {
        let answer = best[k].filter(|&u| units[u].act == Act::Answer);
        let deferral = units
            .iter()
            .enumerate()
            .filter(|(_, u)| u.act == Act::Defer)
            .map(|(n, u)| {
                let para_score = units
                    .iter()
                    .filter(|p| p.para == u.para)
                    .map(|p| overlap(&asks[i].text, p))
                    .fold(0.0f32, f32::max);
                (n, para_score)
            })
            .filter(|(_, s)| *s >= 1.0)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        let answer_score = answer.map_or(0.0, |u| overlap(&asks[i].text, &units[u]));
        match (answer, deferral) {
            (_, Some((n, ds))) if ds > answer_score => {
                let until = reply_date.and_then(|d| deferred_until(&units[n].text, d));
                set(&mut asks[i], Status::Deferred, &units[n].text, until);
                decided[i] = true;
            }
            (Some(u), _) => {
                set(&mut asks[i], Status::Answered, &units[u].text, None);
                decided[i] = true;
            }
            (None, Some((n, _))) => {
                let until = reply_date.and_then(|d| deferred_until(&units[n].text, d));
                set(&mut asks[i], Status::Deferred, &units[n].text, until);
                decided[i] = true;
            }
            (None, None) => {}
        }
    }

    // What is still open: a lone ask answered by a reply that says something, and
    // deferrals that name no topic ("I'll get back to you on the rest").
    let still: Vec<usize> = (0..asks.len()).filter(|&i| !decided[i]).collect();
    let answers: Vec<&Unit> = units.iter().filter(|u| u.act == Act::Answer).collect();
    let unused_answers: Vec<&Unit> = units
        .iter()
        .enumerate()
        .filter(|(n, u)| u.act == Act::Answer && !used.contains(n))
        .map(|(_, u)| u)
        .collect();
    if asks.len() == 1 && still.len() == 1 && !answers.is_empty() {
        let ask = &mut asks[still[0]];
        let w = wants(&ask.text);
        let related = answers
            .iter()
            .any(|u| overlap(&ask.text, u) > 0.0 || yes_no_answer(u) && w.yes_no);
        if related || answers.len() >= 2 {
            let text = answers
                .iter()
                .map(|u| u.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            set(ask, Status::Answered, &text, None);
            return;
        }
    }
    // Bare "+1" / "Sounds good" with nothing else: it answers yes/no asks.
    if answers.len() == 1
        && unused_answers.len() == 1
        && yes_no_answer(answers[0])
        && answers[0].stems.len() <= 2
    {
        for &i in &still {
            if wants(&asks[i].text).yes_no
                || asks[i].text.trim_end().ends_with('?')
                    && asks[i].text.split_whitespace().count() <= 3
            {
                set(&mut asks[i], Status::Answered, &answers[0].text, None);
            }
        }
    }
    let generic_defer = units.iter().find(|u| {
        u.act == Act::Defer
            && (REST.is_match(&u.text) || asks.iter().all(|a| overlap(&a.text, u) == 0.0))
    });
    if let Some(u) = generic_defer {
        let until = reply_date.and_then(|d| deferred_until(&u.text, d));
        for i in 0..asks.len() {
            if asks[i].status == Status::Unanswered && !decided[i] {
                set(&mut asks[i], Status::Deferred, &u.text, until);
            }
        }
    }
}

fn yes_no_answer(u: &Unit) -> bool {
    YES_NO_START.is_match(
        u.text
            .trim_start_matches(|c: char| !c.is_alphanumeric() && c != '+' && c != '-'),
    )
}

/// Shared topic words between an ask and a unit, weighted: numbers and long words count
/// more, near-forms ("storage"/"stored") a little less.
fn overlap(ask: &str, unit: &Unit) -> f32 {
    let ask_stems = content_stems(ask);
    let mut total = 0.0;
    for a in &ask_stems {
        let weight = if a.chars().any(|c| c.is_ascii_digit()) {
            1.5
        } else if a.len() >= 6 {
            1.2
        } else {
            1.0
        };
        if unit.stems.iter().any(|s| s == a) {
            total += weight;
        } else if unit.stems.iter().any(|s| near(a, s)) || unit.stems.iter().any(|s| related(a, s))
        {
            total += 0.7 * weight;
        }
    }
    total
}

fn near(a: &str, b: &str) -> bool {
    let common = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let shorter = a.chars().count().min(b.chars().count());
    common >= 4 && common * 5 >= shorter * 4
}

/// Words that answer for each other in business mail.
fn related(a: &str, b: &str) -> bool {
    const GROUPS: &[&[&str]] = &[
        &[
            "ship", "shipment", "dispatch", "went", "tracking", "courier", "deliv", "deliveri",
            "sent", "post", "mail",
        ],
        &[
            "price", "cost", "quot", "rate", "fee", "total", "charg", "invoic", "bill", "pricing",
            "premium", "budget", "$",
        ],
        &["call", "ring", "phone", "contact", "reach", "number"],
        &["date", "day", "time", "when", "schedul", "deadlin"],
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
        &["reimburs", "expens", "travel"],
        &["cert", "certif", "certifi", "licens", "accredit"],
        &["stock", "avail", "inventori", "backord"],
    ];
    GROUPS.iter().any(|g| {
        let hit = |w: &str| g.iter().any(|p| w.starts_with(p));
        hit(a) && hit(b) && a != b
    })
}

/// How well `unit` answers an ask that `wants` something.
fn score(ask: &str, wants: &Wants, unit: &Unit, has_attachment: bool) -> f32 {
    let lexical = overlap(ask, unit);
    let text = &unit.text;
    let mut shape: f32 = 0.0;
    if wants.when && TIME_WORDS.is_match(text) {
        shape = shape.max(1.0);
    }
    if wants.number && NUMBER_WORDS.is_match(text) {
        shape = shape.max(0.8);
    }
    if wants.who && PERSON.is_match(text) {
        shape = shape.max(0.7);
    }
    if wants.place && PLACE_WORDS.is_match(text) {
        shape = shape.max(0.6);
    }
    if !wants.options.is_empty()
        && unit
            .stems
            .iter()
            .any(|s| wants.options.iter().any(|o| o == s || near(o, s)))
    {
        shape = shape.max(1.2);
    }
    if wants.yes_no && yes_no_answer(unit) {
        shape = shape.max(0.8);
    }
    if wants.send && has_attachment && ATTACHED.is_match(text) {
        shape = shape.max(1.5);
    }
    if unit.act == Act::Defer {
        // A deferral must name its topic; its shape says nothing.
        return lexical;
    }
    lexical + shape
}

/// Marks where each reply line came from.
fn line_sources(zoned: &Zoned<'_>, print: &SentPrint) -> Vec<Source> {
    let mut out: Vec<Source> = zoned
        .lines
        .iter()
        .map(|line| {
            if line.text.trim().is_empty() {
                return Source::Blank;
            }
            match line.kind {
                Kind::Attribution | Kind::Signature | Kind::Disclaimer | Kind::Forwarded => {
                    return Source::Furniture;
                }
                Kind::Own | Kind::Quote { .. } => {}
            }
            let w: Vec<u32> = words(line.text).iter().map(|w| hash(w)).collect();
            if w.len() < 3 {
                // Too short to tell; decided by its neighbours below.
                return Source::Furniture;
            }
            let grams: Vec<u32> = w.windows(3).map(triple).collect();
            let hits = grams.iter().filter(|g| print.contains(**g)).count();
            if hits * 5 >= grams.len() * 3 {
                Source::Sent
            } else {
                Source::New
            }
        })
        .collect();
    // Short lines ("flag", "No.") take the source of the line above them when that line is
    // of the same kind, else they are new text when they are own text.
    for i in 0..out.len() {
        let line = &zoned.lines[i];
        let short = !line.text.trim().is_empty()
            && matches!(line.kind, Kind::Own | Kind::Quote { .. })
            && words(line.text).len() < 3;
        if short {
            let above = (0..i).rev().find(|&j| out[j] != Source::Blank);
            out[i] = match above {
                Some(j)
                    if zoned.lines[j].kind == line.kind
                        && out[j] != Source::Furniture
                        && !is_new_paragraph(zoned, i) =>
                {
                    out[j]
                }
                _ if line.kind.is_own() => Source::New,
                _ => Source::Sent,
            };
        }
    }
    out
}

fn is_new_paragraph(zoned: &Zoned<'_>, i: usize) -> bool {
    i == 0 || zoned.lines[i - 1].text.trim().is_empty()
}

/// The line of the reply on which the quoted ask ends, if the reply quotes it.
fn locate(ask: &str, zoned: &Zoned<'_>) -> Option<usize> {
    let ask_words: Vec<u32> = words(ask).iter().map(|w| hash(w)).collect();
    if ask_words.len() < 2 {
        return None;
    }
    let tail_len = ask_words.len().min(4);
    let tail = &ask_words[ask_words.len() - tail_len..];
    let head = &ask_words[..ask_words.len().min(4)];
    let mut stream: Vec<(u32, usize)> = Vec::new();
    for (i, line) in zoned.lines.iter().enumerate() {
        stream.extend(words(line.text).iter().map(|w| (hash(w), i)));
    }
    let find = |needle: &[u32]| {
        stream
            .windows(needle.len())
            .position(|win| win.iter().zip(needle).all(|((w, _), n)| w == n))
    };
    let start = find(head)?;
    let end = stream[start..]
        .windows(tail_len)
        .position(|win| win.iter().zip(tail).all(|((w, _), n)| w == n))?;
    let end_pos = start + end + tail_len - 1;
    // The quoted ask must be quoted whole, not scattered over the reply.
    if end_pos - start > ask_words.len() * 2 + 6 {
        return None;
    }
    Some(stream[end_pos].1)
}

/// For each located ask, the new text right under it, and whether other asks were quoted
/// in the same stretch above that text.
fn inline_blocks(
    zoned: &Zoned<'_>,
    sources: &[Source],
    located: &[Option<usize>],
) -> Vec<Option<(String, bool)>> {
    let n = zoned.lines.len();
    located
        .iter()
        .enumerate()
        .map(|(k, at)| {
            let at = (*at)?;
            let mut i = at + 1;
            while i < n && sources[i] == Source::Blank {
                i += 1;
            }
            if i >= n || sources[i] != Source::New || !answerable_kind(zoned.lines[i].kind) {
                return None;
            }
            let mut text = String::new();
            while i < n
                && matches!(sources[i], Source::New | Source::Blank)
                && answerable_kind(zoned.lines[i].kind)
            {
                text.push_str(zoned.lines[i].text);
                text.push('\n');
                i += 1;
            }
            let shared = located.iter().enumerate().any(|(j, other)| {
                j != k
                    && other.is_some_and(|o| {
                        o < at
                            && (o..at)
                                .all(|l| sources[l] != Source::Blank && sources[l] != Source::New)
                    })
            });
            Some((text, shared))
        })
        .collect()
}

/// Own text, or unmarked quoting (Outlook) where repliers write "[Name] answer" lines.
fn answerable_kind(kind: Kind) -> bool {
    matches!(kind, Kind::Own | Kind::Quote { depth: 0 })
}

/// The reply answers between the quoted asks (rather than above or below the quote).
fn is_interleaved(sources: &[Source], blocks: &[Option<(String, bool)>]) -> bool {
    let found = blocks.iter().filter(|b| b.is_some()).count();
    if found == 0 {
        return false;
    }
    // Some quoted sent text comes after some new text that comes after quoted sent text.
    let first_sent = sources.iter().position(|s| *s == Source::Sent);
    let Some(first_sent) = first_sent else {
        return false;
    };
    let new_after = sources[first_sent..]
        .iter()
        .position(|s| *s == Source::New)
        .map(|p| p + first_sent);
    let Some(new_after) = new_after else {
        return false;
    };
    sources[new_after..].iter().any(|s| *s == Source::Sent) || found >= 2
}

fn units_of(text: &str) -> Vec<Unit> {
    let lines: Vec<(usize, &str)> = text.lines().enumerate().collect();
    units_of_lines(&lines)
}

fn units_of_lines(lines: &[(usize, &str)]) -> Vec<Unit> {
    sentences(lines)
        .into_iter()
        .map(|s| {
            let number = s.list.map(|l| l.number).filter(|&n| n > 0).or_else(|| {
                // "Re 2:", "#2 -" and "2 -" also number an answer.
                list_marker(&s.text).map(|(n, _)| n).filter(|&n| n > 0)
            });
            Unit {
                act: act(&s.text),
                stems: content_stems(&s.text),
                text: s.text,
                number,
                para: s.para,
            }
        })
        .collect()
}

fn act(sentence: &str) -> Act {
    let text = sentence.trim();
    let bare = text.trim_start_matches(|c: char| !c.is_alphanumeric() && c != '+' && c != '-');
    if text.ends_with('?') || ASKS_BACK.is_match(bare) {
        return Act::Nothing;
    }
    if DEFER.is_match(bare) {
        return Act::Defer;
    }
    if ACK.is_match(bare) || bare.is_empty() || text.starts_with('[') && text.ends_with(']') {
        return Act::Nothing;
    }
    Act::Answer
}

/// The day a deferral points at ("by Friday", "next week", "after the 15th"), counted
/// from the day the reply was written.
pub fn deferred_until(text: &str, written: Date) -> Option<Date> {
    static DAY: LazyLock<Regex> =
        LazyLock::new(|| re(r"(?i)\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"));
    static NTH: LazyLock<Regex> = LazyLock::new(|| {
        re(r"(?i)\b(after|by|on|before|until)\s+(the\s+)?(\d{1,2})(st|nd|rd|th)\b")
    });
    let lower = text.to_lowercase();
    if let Some(c) = DAY.captures(&lower) {
        let target = match &c[1] {
            "monday" => Weekday::Monday,
            "tuesday" => Weekday::Tuesday,
            "wednesday" => Weekday::Wednesday,
            "thursday" => Weekday::Thursday,
            "friday" => Weekday::Friday,
            "saturday" => Weekday::Saturday,
            _ => Weekday::Sunday,
        };
        let mut d = written.tomorrow().ok()?;
        while d.weekday() != target {
            d = d.tomorrow().ok()?;
        }
        if lower.contains("next ")
            && lower.contains(&format!("next {}", &c[1]))
            && d.since(written).ok()?.get_days() < 7
        {
            d = d.checked_add(jiff::Span::new().days(7)).ok()?;
        }
        return Some(d);
    }
    if let Some(c) = NTH.captures(&lower) {
        let day: i8 = c[3].parse().ok()?;
        let this_month = written.with().day(day).build().ok();
        return match this_month {
            Some(d) if d > written => Some(d),
            _ => written
                .first_of_month()
                .checked_add(jiff::Span::new().months(1))
                .ok()?
                .with()
                .day(day)
                .build()
                .ok(),
        };
    }
    if lower.contains("tomorrow") {
        return written.tomorrow().ok();
    }
    if lower.contains("next week") {
        let mut d = written.tomorrow().ok()?;
        while d.weekday() != Weekday::Monday {
            d = d.tomorrow().ok()?;
        }
        return Some(d);
    }
    if lower.contains("end of the week")
        || lower.contains("end of week")
        || lower.contains("this week")
    {
        let mut d = written;
        while d.weekday() != Weekday::Friday {
            d = d.tomorrow().ok()?;
        }
        return Some(d);
    }
    if lower.contains("next month")
        || lower.contains("end of the month")
        || lower.contains("end of month")
    {
        return written.last_of_month().tomorrow().ok();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deferral_dates() {
        let tue = Date::new(2026, 11, 3).unwrap();
        assert_eq!(
            deferred_until("I'll send it over by Friday", tue),
            Some(Date::new(2026, 11, 6).unwrap())
        );
        assert_eq!(
            deferred_until("I'll get back to you next week", tue),
            Some(Date::new(2026, 11, 9).unwrap())
        );
        assert_eq!(
            deferred_until("after the 15th", tue),
            Some(Date::new(2026, 11, 15).unwrap())
        );
        assert_eq!(
            deferred_until("after the 2nd", tue),
            Some(Date::new(2026, 12, 2).unwrap())
        );
        assert_eq!(deferred_until("soonish", tue), None);
    }

    #[test]
    fn acts() {
        assert_eq!(act("Thanks, will look at this."), Act::Defer);
        assert_eq!(act("Thanks!"), Act::Nothing);
        assert_eq!(act("What does the error log say?"), Act::Nothing);
        assert_eq!(
            act("Please repost the config in a readable form."),
            Act::Nothing
        );
        assert_eq!(act("Please store the samples at 2–8 °C."), Act::Answer);
        assert_eq!(act("I'll get back to you on that next week."), Act::Defer);
        assert_eq!(act("Tuesday works."), Act::Answer);
    }

    #[test]
    fn options_of_a_choice() {
        assert_eq!(
            options("do you prefer a lavalier or a handheld mic?"),
            vec!["lavali", "handheld"]
        );
    }
}
