//! Finding the asks: the questions and requests in a sent message's own text.
//!
//! An ask is something the reader must answer or do. Pleasantries ("let me know if you
//! have any questions"), rhetorical and self-answered questions, conditional "if not,
//! let me know" and anything in quoted or forwarded mail are not asks.

use std::sync::LazyLock;

use regex::Regex;

use super::text::{Sentence, re, sentences};
use super::zone::Zoned;

/// An ask as found, before any reply is judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub text: String,
    /// The list number ("2." or "b)") when the ask is a numbered list item.
    pub number: Option<u32>,
}

/// Words an ask may open with that do not change what it asks.
static LEAD_IN: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(\s*(also|and|and also|but|so|plus|finally|lastly|first|firstly|second|secondly|third|then|next|oh|ok|okay|one more thing|one last thing|last|last thing|btw|by the way|p\.?s\.?|@[\w.-]+|[A-Z][\w'-]+\s*(—|–|-|:)|[A-Z][\w'-]+,(\s+I believe you[^—–-]*[—–-])?)[\s,:;.—–-]+)+",
    )
});

static PLEASANTRY: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?ix)
        ^(i\s+)?hope\b
      | ^how\s+(are|r)\s+(you|things|u)\b
      | ^how('s|\s+is|\s+was|\s+were)\s+(your|the)\s+(weekend|week|holiday|holidays|trip|vacation|day|summer|break|flight)
      | ^how\s+have\s+you\s+been
      | ^(who|what)\s+(knew|a\s)
      | ^can\s+you\s+believe
      | ^guess\s+what
      | ^(isn't|wasn't|aren't)\s+(it|that|this)\s+(great|amazing|awesome|wonderful|exciting|crazy)
      | ^what('s|\s+is)\s+not\s+to\s+like
      | ^why\s+not\b
      | \b(let|tell)\s+(me|us)\s+know\s+(if|should|in\s+case|whenever)\s+(you|there)\s*('re|\s+are|\s+have|\s+has|\s+need|\s+want|'d\s+like|\s+would\s+like|\s+is|'s|\s+run|\s+think\s+of|\s+come)?\s*(any|anything|further|more|other|questions|concerns|thoughts|comments|issues|problems|help|into)\b
      | \bif\s+you\s+(have|need|want)\s+(any|anything|more|further)\b.*\b(questions|help|information|info|anything|else|details)\b
      | \b(feel\s+free|don't\s+hesitate|do\s+not\s+hesitate)\b
      | ^(i'm\s+|i\s+am\s+|we're\s+|we\s+are\s+)?(happy|glad)\s+to\s+(help|jump|chat|talk|discuss|hop|get|answer|walk)
      | \blooking\s+forward\b
      | ^(have|enjoy)\s+a\s+(great|good|nice|lovely|wonderful)\b
      | \bthanks?\s+(you\s+)?in\s+advance\b
      | ^please\s+(find|see|note|ignore|disregard|excuse|forgive|reply\s+to\s+the\s+list|do\s+not\s+reply|don't\s+reply|don't\s+cc|do\s+not\s+cc|consider\s+the\s+environment)
      | \bplease\s+\*?(don't|do\s+not)\*?\s+cc\b
      | ^(any|all)\s+(feedback|comments)\s+(is|are)\s+welcome\b
      | \bsorry\s+(for|about)\b.*\?\s*$
      | ^(how|what)\s+about\s+(that|this)\s*[?!]
      | ^right\s*\?
      | ^(make|makes)\s+sense\s*\?
      | \blet\s+me\s+know\s+(what|if|whether)\s+(other|more|further|any\s+other|else)\b.*\b(details|info|information|provide|help)\b
      | ^(nothing|no\s+(need|action|rush|reply|response|worries))\b | ^no\s+\w+\s+(needed|required|necessary)\b | \b(nothing|no\s+action|no\s+reply|no\s+response)\s+(is\s+)?(needed|required|necessary)\b
    ")
});

static CONDITIONAL_LET_KNOW: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(^(if|in\s+case|should)\b|\bif\s+not\b|\botherwise\b|\bor\s+if\b|\bif\s+(that|this|it|there)\b.*\b(not|isn't|doesn't|won't)\b).*\b((let|tell)\s+(me|us)\s+know|shout|ping\s+me|give\s+me\s+a\s+(call|shout))\b|\b((let|tell)\s+(me|us)\s+know|shout|ping\s+me)\b.*\bif\s+(not|there('s|\s+is)\s+(a|any)\s+(problem|issue|more\s+formal))",
    )
});

static REQUEST: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?ix)
        ^(please|pls|plz|kindly)\b
      | \b(please|kindly)\s+(\w+\s+)?(send|share|confirm|check|let|tell|provide|forward|review|sign|return|fill|update|call|reply|advise|approve|submit|add|include|remove|schedule|book|arrange|prepare|look|have|take|give|make|get|email|ping|resend|clarify|explain|try|test|verify|do|help|keep|hold|put|find|reserve|cancel|ship|invoice|quote|loop|reach|post|upload|merge|comment|vote)\b
      | ^(could|can|would|will|wo|do|did|are|is|have|has|should|shall|may|might|must)\s*(n't|not)?\s+(you|we|i|someone|somebody|anyone|anybody|they|there|it|this|that|your)\b
      | ^(would|do)\s+you\s+mind\b
      | ^(is|would)\s+it\s+be\s+possible\b
      | ^any\s+(chance|thoughts|objections|comments|feedback|ideas|update|updates|news|hint|hints|suggestions|advice|word|progress|idea|luck|pointers|opinions?)\b
      | \b(i|we)\s*('d|\s+would|\s+'d)(\s+(also|really|just|still))?\s+(like|love|need|want)\s+(to\s+(know|hear|ask|receive|confirm|check|understand|find\s+out|learn)|to\s+(get|have|see)\s+(any|some|your)|your|you\s+to|an?\s+(update|copy|answer|quote|estimate|confirmation|response|reply|list|sample)|some\s+(advice|help|feedback|input|guidance|pointers)|any\s+(advice|help|feedback|input|guidance|pointers))\b
      | \b(i|we)\s+(also\s+|still\s+|really\s+|just\s+)?(need|require)\s+(you\s+to|your|from\s+you|to\s+(know|get|have|see|receive|confirm|check|understand)|(the|a|an|some|any)\s+[\w\s-]+?\s+from\s+you)\b
      | \b(need|needs|needed)\s+from\s+you\b
      | \bis\s+there\s+(a|any)\s+(way|chance|option|possibility)\b
      | \blooking\s+for\s+(someone|somebody|anyone|anybody|a\s+volunteer|volunteers|help|feedback|reviewers?|input)\b
      | \b(i|we)('d|\s+would)\s+(also\s+)?ask\s+(you|that\s+you)\b
      | \b(i|we)('d|\s+would)\s+(also\s+)?like\s+to\s+(reserve|book|order|schedule|arrange|request|add|change|cancel|move|extend|upgrade|return)\b
      | \b(i|we)('ll|\s+will|'d|\s+would)\s+(also\s+|still\s+)?need\s+(the|your|a|an|some)\b.*\b(by|before|no\s+later\s+than)\s+\w+
      | \b(i|we)('d|\s+would)\s+(also\s+|still\s+)?need\b
      | \bneed\b.*\b(back|from\s+you|returned|signed)\b.*\b(by|before)\b
      | \bwe(\s+also|'d\s+also)?\s+(need|want|'d\s+like|would\s+like)\s+to\s+know\b
      | \b(i|we)\s+(was|were|am|are|'m|'re)\s+(just\s+)?wondering\b
      | \bwondering\s+(if|whether|what|how|when|who|why|which)\b
      | \b(let|tell)\s+(me|us)\s+know\b
      | \b(would|will)\s+be\s+(great|nice|good|helpful|appreciated|ideal|useful)\s+if\s+(you|someone|somebody|anyone|anybody|one\s+of\s+you|we\s+could)\b
      | \bi('d|\s+would)\s+(really\s+)?appreciate\b
      | \b(appreciate|welcome)\s+(any|your)\s+(help|input|feedback|thoughts|advice|review|comments)\b
      | \b(take|have)\s+a\s+(look|quick\s+look|glance)\b
      | \b(put|attached|uploaded|shared|sending|sent|posted|submitted|here\s+is|here's)\b.*\bfor\s+(your\s+)?(review|comments|feedback|approval|sign-?off)\b
      | \bif\s+(that|this|it)\s+(is|'s|sounds)\s+(ok|okay|fine|alright|acceptable|good)\b.*\b(i|we)\s+(can|could|will|'ll)\b
      | \b(i|we)\s+(need|'d\s+need)\s+(a|an|the)\s+[\w\s-]+?\s+(by|before|no\s+later\s+than)\b
      | ^(send|share|confirm|tell|provide|forward|review|sign|return|fill\s+(in|out)|update|call|advise|approve|submit|book|arrange|reserve|resend|clarify|explain)\s+(me|us|the|your|a|an|it|this|that|over|back|all|them)\b
    ")
});

/// A sentence that opens a list of asks: "A few questions:", "Could you send the following?"
static LIST_INTRO: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(following|below|these|those|a\s+few|few|some|several|couple|handful|two|three|four|five|six|seven|eight|nine|ten|\d+)\s+(more\s+)?(questions?|things|items|points|details|requests?|follow-?ups|asks|info|information|open\s+points)\b|\b(the\s+following|as\s+follows|below)\b|:\s*$",
    )
});

/// An intro that says what follows is asked: "A few questions:", "I need a few things".
static ASKING_INTRO: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(questions?|requests?|asks|follow-?ups|need|needs|would\s+like|'d\s+like|from\s+you|please|could\s+you|can\s+you)\b",
    )
});

static INTERROGATIVE_WH: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^(how|what|why|where|who|which)\b"));

static YOU: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)\b(you|your|yours|anyone|anybody|someone|somebody|everyone|folks|guys|y'all|u)\b|@\w")
});

static ANSWER_OPENER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(well|simple|simply|easy|the\s+answer|the\s+reason|because|it's\s+because|it\s+is\s+because|basically|turns\s+out|short\s+answer|in\s+short|i\s+think|i\s+believe|my\s+guess|probably|obviously|clearly|answer:|yes|no|honestly|frankly|who\s+knows|nobody|no\s+one|of\s+course|beats\s+me|not\s+a\s+clue|mostly|mainly|largely|partly|primarily|because)\b",
    )
});

static GREETING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(hi|hello|hey|dear|good\s+(morning|afternoon|evening)|greetings|hallo|bonjour|bonsoir|hola|buenos\s+d\S+|buongiorno|guten\s+tag|hej|moin|servus|ciao)\b[^.?!]*[,!.:]?$|^[A-Z][\w'-]+(\s+[A-Z][\w'-]+)?\s*,$",
    )
});

/// A short follow-on question that belongs to the ask before it: "Or MaxRequestWorkers?",
/// "Does that fall into the module path?", "It seems too complex?"
static FOLLOW_ON: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(or\b|if\s+(so|yes)\b|(is|does|would|will|could|can|was|did)\s+(that|this)\b|(it|that|this)\s+(seems|sounds|looks)\b)",
    )
});

static URL: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\b(https?://|www\.)\S+"));

/// What classification reads of a sentence, worked out once: the tests below look at a
/// sentence, and at the one after it, more than once.
struct Read {
    core: String,
    question: bool,
    /// Only looked for when the sentence is no question: everywhere it is asked, a
    /// question has settled the matter already.
    request: bool,
}

impl Read {
    fn of(s: &Sentence) -> Read {
        let core = core_text(&s.text);
        let question = is_question(&core);
        let request = !question && is_request(&core);
        Read {
            core,
            question,
            request,
        }
    }
}

/// The asks in the own text of a zoned sent message.
pub fn find(zoned: &Zoned<'_>) -> Vec<Found> {
    let own = zoned.own_lines();
    let all = sentences(&own);
    let reads: Vec<Read> = all.iter().map(Read::of).collect();
    let mut found: Vec<Found> = Vec::new();
    // The last ask found, to attach follow-on questions to it.
    let mut last_ask: Option<(usize, usize)> = None; // (index in `all`, index in `found`)
    let mut request_list: Option<usize> = None;

    for (i, (s, read)) in all.iter().zip(&reads).enumerate() {
        let core = &read.core;
        let asks_something = read.question || read.request;
        // Looked at twice for a list intro; worked out at most once.
        let exclusion = std::cell::OnceCell::new();
        let excluded = || *exclusion.get_or_init(|| is_excluded(core, &s.text));
        if s.introduces_list && !excluded() && (asks_something || ASKING_INTRO.is_match(core)) {
            request_list = next_list(&all, i);
            // "Could you send the following?" and "We'd like to understand the proposal
            // better." lead into the asks below; they are not asks of their own.
            if LIST_INTRO.is_match(&s.text) || !read.question {
                continue;
            }
        }
        let in_request_list = s.list.is_some() && s.list.map(|l| l.list) == request_list;
        // "Two things I need to check with you:" announces asks; it is not one.
        let announces = s.text.trim_end().ends_with(':') && !core.contains('?');
        let listed = !asks_something
            && in_request_list
            && is_whole_item(&all, i)
            && is_noun_phrase_item(core);
        let ask = (asks_something || listed)
            && !announces
            && !excluded()
            && !(asks_something && is_self_answered(&all, &reads, i));
        if !ask {
            continue;
        }
        if let Some((prev_i, prev_f)) = last_ask
            && prev_i + 1 == i
            && all[prev_i].para == s.para
            && all[prev_i].list.map(|l| l.item) == s.list.map(|l| l.item)
            && (FOLLOW_ON.is_match(&s.text) || is_bare_alternative(core))
            && core.split_whitespace().count() <= 14
        {
            let merged = format!("{} {}", found[prev_f].text, s.text);
            found[prev_f].text = merged;
            last_ask = Some((i, prev_f));
            continue;
        }
        found.push(Found {
            text: s.text.clone(),
            number: s.list.map(|l| l.number).filter(|&n| n > 0),
        });
        last_ask = Some((i, found.len() - 1));
    }
    found
}

/// The list that follows sentence `i`.
fn next_list(all: &[Sentence], i: usize) -> Option<usize> {
    all[i + 1..].iter().find_map(|s| s.list.map(|l| l.list))
}

/// The sentence without lead-ins, URLs and trailing emoticons: what classification reads.
pub fn core_text(text: &str) -> String {
    let text = if text.contains("://") || text.contains("www.") {
        URL.replace_all(text, "URL")
    } else {
        std::borrow::Cow::Borrowed(text)
    };
    let text = LEAD_IN.replace(&text, "");
    text.trim()
        .trim_end_matches([':', ')', '(', ';', '-', ' ', 'D', 'P'])
        .trim()
        .to_string()
}

/// The person an ask is put to by name: "Lauren — could you ...", "@Stephen is this ...",
/// "Mei-Ling, will the ...". Lower-cased first name.
pub fn addressee(text: &str) -> Option<String> {
    static VOCATIVE: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"^\s*(?:(?:also|and|but|so|finally|lastly|p\.?s\.?)[,:]?\s+)?@?([A-Z][\p{L}'-]+)\s*(,|—|–|-|:)\s|@([\p{L}][\p{L}'-]+)",
        )
    });
    const NOT_NAMES: &[&str] = &[
        "also",
        "however",
        "finally",
        "first",
        "second",
        "third",
        "then",
        "next",
        "ok",
        "okay",
        "yes",
        "no",
        "thanks",
        "great",
        "sure",
        "so",
        "well",
        "anyway",
        "lastly",
        "actually",
        "separately",
        "additionally",
        "plus",
        "oh",
        "hi",
        "hello",
        "dear",
        "ps",
        "and",
        "but",
        "otherwise",
        "meanwhile",
        "again",
        "now",
        "today",
        "tomorrow",
        "please",
        "sorry",
        "similarly",
        "regarding",
        "re",
        "question",
        "questions",
        "update",
        "note",
        "fyi",
    ];
    let caps = VOCATIVE.captures(text)?;
    let name = caps.get(1).or(caps.get(3))?.as_str().to_lowercase();
    (!NOT_NAMES.contains(&name.as_str())).then_some(name)
}

/// The question in a sentence that leads up to it: "I need help from git experts: what
/// is happening?" asks "what is happening?".
pub fn question_clause(core: &str) -> &str {
    static CLAUSE: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?i)(,\s+but\s+|;\s+|\s+[-—–]\s+|:\s+)(what|how|why|when|where|who|which|is|are|do|does|did|can|could|would|will|should|have|has)\b",
        )
    });
    static POINTS_BACK: LazyLock<Regex> =
        LazyLock::new(|| re(r"(?i)^\w+\s+(that|this|it|they|those)\b"));
    let Some(q) = core.find('?') else { return core };
    let clause = CLAUSE
        .captures_iter(&core[..q])
        .last()
        .and_then(|c| c.get(2))
        .map_or(core, |m| &core[m.start()..]);
    // "We'd like to pay on 30-day terms - is that possible?" asks about what came before.
    if POINTS_BACK.is_match(clause) {
        core
    } else {
        clause
    }
}

/// Has a real question mark: not one inside a URL (already replaced) and not an aside
/// like "7.15GHz (7.125?)" with no words in it.
fn is_question(core: &str) -> bool {
    static ASIDE: LazyLock<Regex> = LazyLock::new(|| re(r"\(([^()]*)\?\s*\)"));
    // Most sentences: removing asides cannot add a question mark.
    if !core.contains('?') {
        return false;
    }
    let mut text = core.to_string();
    for caps in ASIDE.captures_iter(core) {
        let words = caps[1]
            .split_whitespace()
            .filter(|w| w.chars().any(char::is_alphabetic))
            .count();
        if words < 2 {
            text = text.replace(&caps[0], "");
        }
    }
    text.contains('?') && !text.trim().starts_with('?')
}

/// '"maven-src.git"?' after a question: another alternative, not a new ask.
fn is_bare_alternative(core: &str) -> bool {
    static AUXILIARY: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?i)^(is|are|am|do|does|did|can|could|will|would|should|shall|has|have|had|was|were|may|might|must)\b",
        )
    });
    core.ends_with('?')
        && core.split_whitespace().count() <= 3
        && !YOU.is_match(core)
        && !INTERROGATIVE_WH.is_match(core)
        && !AUXILIARY.is_match(core)
}

fn is_request(core: &str) -> bool {
    REQUEST.is_match(core)
}

/// Questions nobody is meant to answer: "Why would anyone still vendor zlib in 2026?"
static RHETORICAL_ALONE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(why\s+would\s+(anyone|anybody|you)\b|who\s+(would|wouldn't)\s+(want|like|love)\b|how\s+hard\s+can\s+it\s+be|what\s+could\s+(possibly\s+)?go\s+wrong|who\s+doesn't\s+(love|like)\b)",
    )
});

fn is_excluded(core: &str, text: &str) -> bool {
    is_greeting(text.trim())
        || RHETORICAL_ALONE.is_match(core)
        || PLEASANTRY.is_match(core)
        || CONDITIONAL_LET_KNOW.is_match(core)
        || core.split_whitespace().count() == 0
}

/// "Hi Dana,", "Good morning all!"
pub fn is_greeting(text: &str) -> bool {
    text.split_whitespace().count() <= 5 && GREETING.is_match(text)
}

/// A wh-question to nobody in particular that the writer goes on to answer in the same
/// paragraph: "How can it be fixed? I think ..." is exposition, not an ask.
fn is_self_answered(all: &[Sentence], reads: &[Read], i: usize) -> bool {
    let s = &all[i];
    let core = &reads[i].core;
    static RHETORICAL: LazyLock<Regex> = LazyLock::new(|| {
        re(r"(?i)\b(even|always|ever|on\s+earth|the\s+heck|the\s+hell|another\s+round)\b")
    });
    // "How do you even thank people enough?" speaks to nobody, "you" or not.
    static SELF_ANSWER: LazyLock<Regex> =
        LazyLock::new(|| re(r"(?i)\bthe\s+answer\s+is\b|^(because|yes|no)\b"));
    let to_reader = YOU.is_match(core) && !RHETORICAL.is_match(core);
    if s.list.is_some() || to_reader {
        return false;
    }
    let Some(next) = all
        .get(i + 1)
        .filter(|n| n.para == s.para && n.list.is_none())
    else {
        return false;
    };
    let next_read = &reads[i + 1];
    let next_core = &next_read.core;
    // "What changed? Mostly the TLS backend." and "So is it the allocator? For glibc the
    // answer is clearly no."
    let opens_answer = ANSWER_OPENER.is_match(next_core) || ANSWER_OPENER.is_match(&next.text);
    let answers = SELF_ANSWER.is_match(next_core) || SELF_ANSWER.is_match(&next.text);
    // "So where does that leave the go-live date? Still 3 November." asks the writer,
    // who answers at once.
    static TO_SELF: LazyLock<Regex> = LazyLock::new(|| {
        re(r"(?i)^so\s+(what|where|how|why|who|which|is|are|does|do|did|was|were)\b")
    });
    // Without a '?' in its text the next sentence is no question, so its request sign
    // was looked for.
    let declarative = !next.text.contains('?') && !next_read.request;
    (INTERROGATIVE_WH.is_match(core) && opens_answer)
        || answers
        || (TO_SELF.is_match(&s.text) && declarative)
}

/// Items like "A short bio (100 words or less) for the program" under a request intro;
/// not statements ("demos are all in master now", "no changes for now").
fn is_noun_phrase_item(core: &str) -> bool {
    static STATEMENT: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?i)^(no|none|nothing|done)\b|\b(is|are|was|were|has|have|had|will|won't|did|does|don't|doesn't|didn't|isn't|aren't|wasn't)\b",
        )
    });
    let words = core.split_whitespace().count();
    (1..=25).contains(&words) && !core.ends_with('!') && !STATEMENT.is_match(core)
}

/// The sentence is a list item on its own, not one sentence of several in an item.
fn is_whole_item(all: &[Sentence], i: usize) -> bool {
    let item = all[i].list.map(|l| l.item);
    let same = |j: usize| all.get(j).is_some_and(|s| s.list.map(|l| l.item) == item);
    !(same(i + 1) || (i > 0 && same(i - 1)))
}

#[cfg(test)]
mod tests {
    use super::super::zone::zone;
    use super::*;

    fn asks(body: &str) -> Vec<String> {
        find(&zone(body)).into_iter().map(|f| f.text).collect()
    }

    #[test]
    fn numbered_requests() {
        let body = "Hi Dana,\n\nBefore we go to press I need a few things from you:\n\n1. Can you confirm the quantity is 2,500?\n2. Please send me the updated quote.\n3. Could you check whether the blue matches?\n4. What's the earliest delivery date?\n\nThanks!\nMaya\n";
        let a = asks(body);
        assert_eq!(a.len(), 4, "{a:?}");
        assert!(a[1].starts_with("Please send"));
    }

    #[test]
    fn pleasantries_are_not_asks() {
        let body = "Hi all,\n\nThe office closes early on Friday. Hope you had a good weekend? Let me know if you have any questions.\n\nBest,\nSam\n";
        assert!(asks(body).is_empty(), "{:?}", asks(body));
    }

    #[test]
    fn quoted_questions_are_not_asks() {
        let body = "Headcount is 42.\n\nCould you also include coffee at 2:30?\n\nOn Mon, Nov 9, 2026 at 3:02 PM Carla <c@g.com> wrote:\n> Can you confirm the final headcount?\n";
        assert_eq!(asks(body), vec!["Could you also include coffee at 2:30?"]);
    }

    #[test]
    fn requests_without_question_mark() {
        let body = "One thing we still need from you is the model number of the range hood. I was wondering whether the oak is the same. We'd also like to know whether the rollout can start on the 16th.\n";
        assert_eq!(asks(body).len(), 3, "{:?}", asks(body));
    }

    #[test]
    fn noun_phrase_items_under_a_request() {
        let body = "To help us prepare, could you reply with the following?\n\n- A short bio for the program\n- Do you prefer a lavalier or a handheld mic?\n";
        assert_eq!(
            asks(body),
            vec![
                "A short bio for the program",
                "Do you prefer a lavalier or a handheld mic?"
            ]
        );
    }

    #[test]
    fn alternatives_form_one_ask() {
        let body = "Should I increase ServerLimit only? Or MaxRequestWorkers? Or both?\n";
        assert_eq!(asks(body).len(), 1);
    }

    #[test]
    fn self_answered_question_is_exposition() {
        let body = "How can it be fixed? I think it would be easier to fix the repositories. The plan is simple.\n";
        assert!(asks(body).is_empty());
    }

    #[test]
    fn conditional_let_me_know_is_not_an_ask() {
        let body = "Hopefully this is OK. If not please let me know, or it can be edited later.\n";
        assert!(asks(body).is_empty(), "{:?}", asks(body));
    }
}
