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

use std::cell::OnceCell;
use std::collections::HashSet;
use std::sync::LazyLock;

use jiff::civil::{Date, Weekday};
use regex::{Regex, RegexSet};

use super::text::{
    Stem, content_stems, for_each_word, list_marker, re, re_set, sentences, squash, words,
};
use super::zone::{Kind, Zoned};
use super::{Ask, Status};
use crate::message::Message;

/// A compact print of the sent text (hashes of its word triples), enough to tell which
/// lines of a reply quote it. Kept instead of the body, which the store never holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SentPrint(Vec<u32>);

/// Word triples beyond this are not printed: a huge sent message is mostly quoted history,
/// and replies quote its top.
const PRINT_LIMIT: usize = 60_000;

impl SentPrint {
    /// Prints the lines of a zoned sent message that a reply can quote without `>`
    /// markers of its own: its own text and its unmarked (Outlook-style) history. Lines
    /// the sent message itself quoted with `>` come back in replies quoted twice, which
    /// tells them apart already.
    pub fn of(zoned: &Zoned<'_>) -> SentPrint {
        let printed = || {
            zoned
                .lines
                .iter()
                .filter(|l| !matches!(l.kind, Kind::Quote { depth: 1.. }))
        };
        // As in `Stream::of`: room for the words up front.
        let bytes: usize = printed().map(|l| l.text.len()).sum();
        let mut w: Vec<u32> = Vec::with_capacity(bytes / 6);
        for line in printed() {
            for_each_word(line.text, |word| w.push(hash(word)));
        }
        let mut grams: Vec<u32> = w
            .windows(3)
            .take(PRINT_LIMIT)
            .map(|g| triple(g[0], g[1], g[2]))
            .collect();
        grams.sort_unstable();
        grams.dedup();
        SentPrint(grams)
    }

    fn contains(&self, gram: u32) -> bool {
        self.0.binary_search(&gram).is_ok()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The print as stored: its hashes, little-endian.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.iter().flat_map(|h| h.to_le_bytes()).collect()
    }

    pub fn from_bytes(packed: &[u8]) -> SentPrint {
        SentPrint(
            packed
                .chunks_exact(4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
        )
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

/// The hash of three words in a row. Stored in prints: it must not change.
fn triple(a: u32, b: u32, c: u32) -> u32 {
    a.wrapping_mul(0x9E37_79B1) ^ b.rotate_left(11).wrapping_mul(0x85EB_CA77) ^ c.rotate_left(23)
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

/// `NUDGER_DEBUG_JUDGE=1` prints every ask × sentence score to stderr; read once, as the
/// pairing loop is hot.
static DEBUG_JUDGE: LazyLock<bool> =
    LazyLock::new(|| std::env::var_os("NUDGER_DEBUG_JUDGE").is_some());

static ACK: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?ix)^(
        (many\s+)?thanks?(\s+you)?(\s+(so|very)\s+much)?(\s+(for|again)\b.*)?
      | thx.* | ty | cheers | got\s+it.* | received.* | noted.* | understood.*
      | (ok|okay|great|perfect|cool|awesome|excellent|wonderful|lovely|nice)(\s+thanks?.*)?
      | (i\s+)?hope\s+.* | (happy|glad)\s+to\s+help.* | (so\s+)?(sorry|apologies)\s+(for|about)\b.*
      | answers?\s+(below|inline|in\s+line).* | see\s+(my\s+)?(answers|responses|comments)\s+(below|inline).*
      | please\s+see\s+(my\s+)?(answers|responses|comments|below|inline).* | (my\s+)?(answers|responses|comments)\s+(are\s+)?(below|inline).*
      | good\s+(question|point|catch).* | interesting.* | (i\s+)?like\s+(that|this|the)\s+(idea|solution|approach|plan).*
      | (i'll|i\s+will|we'll|we\s+will)\s+(take|use|consider|keep)\s+(your|the|these|those)\s+(suggestions?|advice|ideas?|points?|feedback).*
      | thanks?\s+for\s+.* | (i\s+)?(can't|cannot|can\s+not)\s+thank\s+.*
      | see\s+you\s+(then|there|soon|tomorrow|next\s+\w+|on\s+\w+)
    )[.!]*$")
});

static DEFER: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?ix)
        \b(get|come|circle|revert)\s+back\s+(to\s+you|on|with|about)\b
      | \b(i'll|i\s+will|we'll|we\s+will|she'll|he'll|they'll|she\s+will|he\s+will|they\s+will|let\s+me|let\s+us|i\s+need\s+to|i\s+have\s+to|i'd\s+have\s+to|we'd\s+have\s+to|i'd\s+need\s+to|we\s+need\s+to|i'll\s+need\s+to|we'll\s+need\s+to|i'll\s+have\s+to|we'll\s+have\s+to|i\s+must|i'm\s+going\s+to|i\s+am\s+going\s+to|i\s+want\s+to)\s+(first\s+|still\s+)?(double-?\s*)?(check|confirm|find\s+out|look\s+into|look\s+at|verify|dig|investigate|think|review|consult|test|try|run\s+((it|this|that|them)\s+)?(by|past)|talk\s+to|speak\s+(to|with)|get\s+(it|that|them|this|those)\s+(to|over))\b
      | \b(let\s+me|need\s+to|have\s+to)\s+ask\b
      | \b(i'll|i\s+will|we'll|we\s+will)\s+ask\s+(him|her|them)\b
      | \b(i'll|i\s+will|we'll|we\s+will|let\s+me)\s+ask\s+.*?\bfor\s+(the|a|an|your|that|this|it)\b
      | \b(it|this|that)\s+(may|might|will|could)\s+take\s+(a\s+few|a\s+couple|some|another|a\s+while|a\s+bit)\b
      | \b(let\s+me|i'll|i\s+will|we'll)\s+(pick|take)\s+(this|it|that)\s+(up|on)\b
      | \bnot\s+sure\s+(yet|if|whether)\b
      | \b(i'd|i\s+would|we'd|we\s+would)\s+hope\s+to\b
      | \b(i'll|we'll|i\s+will|we\s+will)\s+revert\b
      | \b(i'll|i\s+will|we'll|we\s+will|i'm\s+going\s+to|we're\s+going\s+to)\s+(take|have)\s+a\s+(closer\s+)?look\b
      | \b(i'll|i\s+will|we'll|we\s+will|she'll|he'll|they'll)\s+(send|share|forward|get|have|provide|email|confirm|reply|answer|respond)\b.*\b(later|tomorrow|tonight|soon|shortly|once|after|when|by|next|then|end\s+of|over\s+the\s+weekend|this\s+weekend|monday|tuesday|wednesday|thursday|friday|saturday|sunday|this\s+(afternoon|evening|week))\b
      | \b(follow\s+up|come\s+back)\s+(on|with|about|regarding|to\s+you)\b
      | \b(i'll|i\s+will|we'll|we\s+will)\s+(let\s+you\s+know|keep\s+you\s+(posted|updated|informed)|update\s+you)\b
      | \blet\s+you\s+know\s+(how|what|when|once|if|whether|the\s+outcome)\b
      | \b(put|add)\s+(it|this|that)\s+(on|to)\s+(the|that|our|next)\s+agenda\b
      | \b(don't|do\s+not|doesn't|won't|can't|cannot|not)\b.*\buntil\b
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

/// "+1, would also like to know", "That decides whether Easter is realistic": speaks
/// about the question without answering it.
static NO_ANSWER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(that|this|it)\s+(decides|determines|depends\s+on|will\s+decide|will\s+determine)\b|\b(depending|depends)\s+on\s+(that|this|it|which|whether|what)\b",
    )
});

/// "+1, would also like to know": another asker, not an answer, whatever its first word;
/// and "The answer is quite different depending on that", after questions back.
static ECHO: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b((would|'d)\s+also\s+(like|love)\s+to\s+know|also\s+interested|same\s+(question|boat)|wondering\s+the\s+same|following\s+this\s+thread|me\s+too|(have|having|had|see|seeing)\s+the\s+same\s+(problem|issue|error))\b|\b(depending|depends|hinges)\s+on\s+(that|this|it|those|these)\s*[.!]?$",
    )
});

/// "Sure", "OK", "Will do": taking something on, not stating a fact.
static TAKES_ON: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^(sure|ok|okay|of\s+course|absolutely|certainly|will\s+do)\b"));

/// "Ana is out sick today": why nobody answers yet, not an answer.
static ABSENCE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^([\p{L}'-]+|i|we|she|he|they)\s+(is|am|are|'s|'m|'re)\s+(currently\s+)?(out|away|off|sick|ill|travell?ing|on\s+(leave|vacation|holiday|a\s+trip)|out\s+of\s+(the\s+)?office)\b[^,;]*[.!]?$",
    )
});

/// Asks back for something: a reply made only of these answers nothing.
static ASKS_BACK: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(please\s+|can\s+you\s+|could\s+you\s+|would\s+you\s+)(re-?post|repost|resend|re-send|send|share|provide|clarify|explain|tell|forward|attach|give|post|describe|elaborate|show|check|try|ping|ask|file|open|raise)\b|^(let's|lets)\s+(ping|ask|wait)\b|^(ask|ping|try)\s+\w+",
    )
});

/// Advice, even when put as a question ("How about a hard reset?").
static SUGGESTION: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(how\s+about|what\s+about|have\s+you\s+tried|did\s+you\s+try|why\s+not\s+(try|use|just)|try\s+(to|using|running|adding|setting|a|the)|you\s+(could|can|should|might|may\s+want\s+to)|i('d|\s+would)\s+(suggest|recommend|try)|i\s+suggest|i\s+recommend|my\s+(suggestion|advice|recommendation)|the\s+(fix|solution|trick|workaround|answer)\s+(is|was))\b",
    )
});

static BLANKET: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?ix)
        \b(yes|ok|okay|approved|agreed|confirmed|fine|sure|go\s+ahead)\s+(to|on|for)\s+(all|everything|each|both|every\s+one)\b
      | \b(all|both|everything|all\s+of\s+(them|these|those|the\s+above))\s+(two|three|four|five|six|seven|eight|nine|ten\s+)?(are|is|sound|sounds|look|looks|seem|seems)\s+(good|fine|ok|okay|great|right|correct|approved)\b
      | \b(all|both|everything)\s+(two|three|four|five|six|\s)*(approved|confirmed|agreed|good|fine|ok|sorted|done|fixed|handled|booked)\b
      | \ball\s+of\s+the\s+above\b
      | \byes\s*,?\s+(all|both)\b
      | \bapproved\s+(all|everything|on\s+all)\b
    ")
});

static REST: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b((both|all)\s+of\s+(these|those|them|your\s+questions)|both\s+(questions|points|items|things)|these\s+(questions|points|items)|the\s+rest|the\s+others|other\s+(questions|points|items|ones|things)|everything\s+else|remaining\s+(questions|points|items|ones)|rest\s+of\s+(your|the)\s+(questions|points|list))\b",
    )
});

static YES_NO_START: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?ix)^(yes|yeah|yep|yup|no|nope|nah|sure|of\s+course|absolutely|definitely|certainly|correct|exactly|indeed|agreed|approved|confirmed|unfortunately|sadly|afraid\s+not|not\s+really|not\s+at\s+all|never|none|ok|okay|fine|works|that\s+works|sounds\s+good|sounds\s+great|looks\s+good|go\s+ahead|please\s+do|\+1|-1|\+0|lgtm|happy\s+to|that's\s+(right|correct|fine)|you're\s+welcome\s+to|(i'm|i\s+am|we're|we\s+are)\s+(happy|glad|fine|ok|okay|able|available|free|in)|(we|i|they|she|he)\s+(can|could|will|would|do|did|don't|didn't|can't|cannot|won't|'ll|'d)\b|(we|i)'(ll|d)\b|(it|that|this)\s+(is|isn't|was|wasn't|does|doesn't|will|won't)\b|(it's|that's)\b|(it|that|this|they|she|he)'ll\b|totally|for\s+sure|the\s+more\s+the\s+merrier|no\s+problem|not\s+a\s+problem|by\s+all\s+means)\b",
    )
});

static TIME_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?ix)\b(mondays?|tuesdays?|wednesdays?|thursdays?|fridays?|saturdays?|sundays?|(mon|tue|tues|wed|thu|thurs|fri|sat|sun)\.?,?\s+\d|today|tomorrow|tonight|mornings?|afternoons?|evenings?|noon|midnight|weekends?|week|months?|years?|january|february|april|june|july|august|september|october|november|december|(march|may)\s+\d|\d\s+(march|may)|(jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.?\s+\d|\d\s+(jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\b|\d{1,2}(st|nd|rd|th)|\d{1,2}:\d{2}|\d{1,2}\s*(am|pm)|q[1-4]|asap|soon|later|already|yesterday|days?|hours?|weeks?)\b",
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
    /// Asks for advice ("Any hint?", "how can I ...?").
    advice: bool,
    /// Asks to pick ("Let me know which one you prefer").
    pick: bool,
    /// Asks for wording ("How should the credit line read?"): a quoted phrase answers.
    wording: bool,
    /// Asks for news ("Any update?"): anything substantive answers.
    update: bool,
    /// Asks what others do ("what do you people use for number crunching?").
    practice: bool,
    /// Asks for a review ("Please review it and send me any comments").
    review: bool,
    /// Asks whether anyone has met the same thing ("has anyone seen this error?").
    experience: bool,
    /// Offers something ("Is there anything I can do to help?", "Should I ...?").
    offer: bool,
    /// Asks for something to be done ("Can you book ...", "Please reset ...").
    request: bool,
    /// Asks "how many" or "how much" outright.
    count: bool,
    /// Names a day or date ("before the anniversary on 3 June").
    dated: bool,
    /// Words naming the alternatives of "A or B?".
    options: Vec<String>,
}

/// "We use MOSIX", "The usual way is to build ...", "I'd go with dual Athlons".
static PRACTICE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(we|i)\s+(use|run|have|built|build|went|go|rely|just|usually|typically)\b|\b(the\s+usual\s+way|most\s+people|typically|usually|we\s+use|i\s+use|we've\s+been\s+using|i'd\s+go\s+with)\b",
    )
});

/// A verdict on something reviewed: "The main agreement is fine as is", "Schedule B is
/// missing two forklifts", "Read through it last night".
static REVIEWED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        // A verdict on the thing, not praise in passing ("great update" signs off nothing).
        r"(?i)[+-]1\b|\b(looks|missing|wrong|correct|typos?|change|add|remove|approved?|lgtm|read|reviewed|signed\s+off|went\s+through|comments?|suggest|fix|needs?)\b|\b(is|are|seems?|all)\s+(fine|good|great|ok|okay)\b|^\W*(fine|good|ok|okay)\b",
    )
});

/// "The Wednesday afternoon one suits me best", "Six months would be ideal".
static PICK: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(suits?|works?|prefer|best|go\s+(with|for)|let's\s+(do|go)|pick|choose|(i|we)('d|\s+would)\s+(like|love|take|rather)|would\s+be\s+(ideal|best|great|perfect|better)|please)\b",
    )
});

/// Takes up an offer or tells what to do: "would be great if you could pick this up".
static DIRECTIVE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^((it\s+)?(would|will)\s+be\s+(great|nice|good|useful|helpful|appreciated)|yes\s+please|please\s+(do|go\s+ahead)|go\s+(for\s+it|ahead)|feel\s+free|if\s+you\s+(can|could)|you\s+(could|can|should|may)|sure|that\s+would\s+be)\b",
    )
});

/// "I got the same issue before", "we saw this too".
static EXPERIENCE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(i|we|i've|we've)\s+(also\s+)?(had|got|have|saw|seen|see|ran|run|hit|experienced|encountered|noticed|faced)\b.*?\b(same|similar|this|that|it|too)\b",
    )
});

/// What an ask's wording says about the answer it wants; matched in one pass.
const WH_WHEN: &str = r"(?i)\b(when|what\s+time|what\s+day|which\s+day|what\s+date|which\s+date|(which|what)\s+(week|weekday|monday|tuesday|wednesday|thursday|friday|saturday|sunday|morning|afternoon|evening|slot)|how\s+soon|by\s+when|how\s+long)\b|\b(earliest|latest|deadline|eta|lead\s+time|turn-?around|schedule|date|day|days|time|timeline|when)\b";

const WH_NUMBER: &str = r"(?i)\bhow\s+(many|much|long|big|often|far|high|low)\b|\b(are|is)\s+there\s+any\b|\b(value|worth|maximum|minimum|level|levels|limit|percent|temperature|humidity|weight|length|width|height|dimensions|number\s+of|quantity|count|price|cost|costs|total|rate|premium|fee|fees|budget|amount|percentage|retention|revenue|headcount|capacity|size|pricing)\b";

const WH_WHO: &str = r"(?i)\b(who|whom|whose)\b|\bname\s+of\b|\bwhich\s+(person|people|contact|customer|client|members?|colleagues?|staff)\b|\bwhich\s+of\s+(your|the|our)\s+(team|staff|people|colleagues)";

const WH_WHERE: &str = r"(?i)\bwhere\b|\b(office|venue|location|place)\b";

const YES_NO_ASK: &str = r"(?i)^\W*([\w'-]+[,:]?\s+)?(do|does|did|is|are|was|were|can|could|will|would|should|shall|may|might|have|has|had|am|any|what\s+about|how\s+about)\b|\b(confirm\w*|ok\b|okay|alright|objections?|approve|agree|possible|mind)\b|\bright\s*\?|,\s*(isn't|is|right|correct|ok)\s+(it|that)?\s*\?";

const SEND_ASK: &str = r"(?i)\b(send|share|forward|provide|attach|email|e-mail|resend|upload|export)\b|\b(copy|pdf|file|document|form|invoice|export|spreadsheet|csv|report|certificate|contract|deck|slides|list|quote|photo|scan|statement)\b";

const ADVICE_ASK: &str = r"(?i)\b(hints?|ideas?|advice|suggestions?|recommendations?|tips?|pointers?|workaround|how\s+(do|can|should|could)\s+(i|we|one)|what\s+(should|can|could)\s+(i|we)|(has|had|seen)\s+(such|this|the\s+same|a\s+similar)\s+(issue|problem|error))\b";

const PICK_ASK: &str = r"(?i)\b(prefer|preference|rather|which\s+(one|option|version|date|day|time|slot|of\s+(these|the|them))|choose|pick|go\s+with|suits?\s+you|works\s+(best\s+)?for\s+you|best\s+for\s+you)\b";

const UPDATE_ASK: &str = r"(?i)\b(any\s+)?(update|updates|news|progress|status)\b";

const PRACTICE_ASK: &str = r"(?i)\bwhat\s+((do|does|would)\s+)?(you|people|folks|others|everyone|anyone)(\s+\w+)?\s+(do|use|recommend|run|suggest)\b|\bhow\s+do\s+(you|people|others|folks)(\s+\w+)?\s+(handle|deal|manage|do|approach)\b|\bwhat\s+(are|is)\s+(you|people|everyone|folks)\s+using\b";

const REVIEW_ASK: &str = r"(?i)\b(review|proofread|look\s+(it\s+)?(over|through)|take\s+a\s+look|have\s+a\s+look|comments|feedback|thoughts\s+on|sign\s+off)\b";

const EXPERIENCE_ASK: &str = r"(?i)\b(anyone|anybody|someone|somebody|you|people|others)\b.*?\b(had|has|have|seen|experienced|encountered|run\s+into|ran\s+into|come\s+across|faced|noticed|hit)\b";

const OFFER_ASK: &str = r"(?i)\b(anything\s+(else\s+)?i\s+can\s+do|(can|could|shall|should|may)\s+i\b|want\s+me\s+to|would\s+you\s+like\s+me\s+to|if\s+(that|this|it)\s+is\s+ok\b.*\bi\s+can)";

/// "How would you like the credit line to read?", "What title should we print?"
const WORDING_ASK: &str = r"(?i)\b(how|what)\b.*\b(read|say|wording|worded|title|caption|credit|spell|spelled|spelt|appear)\b";

static DATED_ASK: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(mondays?|tuesdays?|wednesdays?|thursdays?|fridays?|saturdays?|sundays?|january|february|april|june|july|august|september|october|november|december|(march|may)\s+\d|\d\s+(march|may)|tomorrow|next\s+week|this\s+week|\d{1,2}(st|nd|rd|th)|\d{1,2}[/.]\d{1,2})\b",
    )
});

/// A choice between two questions: "..., or do we need to deliver them?"
const ALTERNATIVE_QUESTION: &str = r"(?i),?\s+or\s+(do|does|did|should|shall|would|will|can|could|is|are|must)\s+(i|we|you|they|it|he|she)\b";

/// "Can you book ...", "Could you send someone ...", "Please reset ...".
const REQUEST_ASK: &str = r"(?i)^\W*([\w'-]+[,:]?\s+)?(can|could|would|will)\s+you\b|\b(please|kindly)\b|\b(i|we)('d|\s+would)?\s+(also\s+)?need\b";

const WANT_PATTERNS: [&str; 16] = [
    REQUEST_ASK,
    ALTERNATIVE_QUESTION,
    WORDING_ASK,
    WH_WHEN,
    WH_NUMBER,
    WH_WHO,
    WH_WHERE,
    YES_NO_ASK,
    SEND_ASK,
    ADVICE_ASK,
    PICK_ASK,
    UPDATE_ASK,
    PRACTICE_ASK,
    REVIEW_ASK,
    EXPERIENCE_ASK,
    OFFER_ASK,
];

static WANTS: LazyLock<RegexSet> = LazyLock::new(|| re_set(&WANT_PATTERNS));

fn wants(ask: &str) -> Wants {
    let lower = ask.to_lowercase();
    let m = WANTS.matches(&lower);
    let has = |pattern: &str| {
        let n = WANT_PATTERNS.iter().position(|p| *p == pattern);
        n.is_some_and(|n| m.matched(n))
    };
    Wants {
        when: has(WH_WHEN),
        number: has(WH_NUMBER),
        who: has(WH_WHO),
        place: has(WH_WHERE),
        // "Would you collect them, or do we deliver?" is not answered by "Yes".
        yes_no: has(YES_NO_ASK) && !has(ALTERNATIVE_QUESTION),
        send: has(SEND_ASK)
            && (lower.contains("send")
                || lower.contains(" back")
                || lower.contains("return")
                || lower.contains("signed")
                || lower.contains("share")
                || lower.contains("forward")
                || lower.contains("provide")
                || lower.contains("attach")
                || lower.contains("copy")
                || lower.contains("export")
                || lower.starts_with("a ")
                || lower.contains("pdf")),
        advice: has(ADVICE_ASK),
        pick: has(PICK_ASK),
        update: has(UPDATE_ASK),
        wording: has(WORDING_ASK),
        practice: has(PRACTICE_ASK),
        review: has(REVIEW_ASK),
        experience: has(EXPERIENCE_ASK),
        offer: has(OFFER_ASK),
        request: has(REQUEST_ASK),
        count: lower.contains("how many") || lower.contains("how much"),
        dated: DATED_ASK.is_match(&lower),
        options: options(&lower),
    }
}

/// The content words right around " or " in a question: "a lavalier or a handheld mic"
/// gives lavalier, handheld.
fn options(lower: &str) -> Vec<String> {
    let mut out = Vec::new();
    // Most asks offer no choice: without the letters "or" there is no word "or".
    if !lower.contains("or") {
        return out;
    }
    let w = words(lower);
    let content = |x: &&String| !super::text::is_stopword(x);
    for (i, word) in w.iter().enumerate() {
        if word != "or" {
            continue;
        }
        // A few words either side: "a 12-month lease, or would you rather do
        // month-to-month" offers "12", "month", "lease" against "month".
        let before = w[..i].iter().rev().filter(content).take(2);
        let after = w[i + 1..].iter().filter(content).take(3);
        for x in before.chain(after) {
            let s = super::text::stem(x);
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}

/// The paragraph number of the units standing for attachments.
const ATTACHMENT: usize = usize::MAX;

/// A unit of reply text that may answer: a sentence with what it does and its words.
#[derive(Debug, Clone)]
struct Unit {
    text: String,
    act: Act,
    stems: Vec<Stem>,
    /// The list number when the sentence is a numbered answer ("3) ...").
    number: Option<u32>,
    para: usize,
    seen: Seen,
}

/// What the shape tests found in a unit's text, each worked out on first use: a unit is
/// scored against every open ask, some of them twice, and each test reads the whole text.
#[derive(Debug, Clone, Default)]
struct Seen {
    time: OnceCell<bool>,
    number: OnceCell<bool>,
    person: OnceCell<bool>,
    place: OnceCell<bool>,
    yes_no: OnceCell<bool>,
    carried_out: OnceCell<bool>,
    strong_yes_no: OnceCell<bool>,
    clauses: OnceCell<usize>,
    directive: OnceCell<bool>,
    reviewed: OnceCell<bool>,
    practice: OnceCell<bool>,
    pick: OnceCell<bool>,
    suggestion: OnceCell<bool>,
    experience: OnceCell<bool>,
    attached: OnceCell<bool>,
}

impl Unit {
    fn clauses(&self) -> usize {
        *self.seen.clauses.get_or_init(|| clauses(&self.text))
    }
}

/// Whether `pattern` matches `text`, remembered in `cell`.
fn seen(cell: &OnceCell<bool>, pattern: &Regex, text: &str) -> bool {
    *cell.get_or_init(|| pattern.is_match(text))
}

/// What an ask needs from an answer: its topic words and the kind of answer it wants.
struct Need {
    /// The first name of the person the ask was put to, if it names one.
    addressee: Option<String>,
    stems: Vec<Stem>,
    /// The summed weight of `stems`, to tell a passing word from a shared topic.
    weight: f32,
    wants: Wants,
}

impl Need {
    fn of(ask: &Ask) -> Need {
        // "Lauren — could you send ..." is about the price sheet, not about Lauren, and
        // "I need help from git experts: what is happening?" asks what is happening.
        let core = super::asks::question_clause(&super::asks::core_text(&ask.text)).to_string();
        let stems = content_stems(&core);
        let weight = stems.iter().map(|s| stem_weight(&s.text)).sum();
        Need {
            addressee: super::asks::addressee(&ask.text),
            stems,
            weight,
            wants: wants(&core),
        }
    }

    /// True when `lexical` shared weight is more than a word in passing.
    /// `ratio`: the share of the ask's words that must be met.
    fn covered(&self, lexical: f32, enough: f32, ratio: f32) -> bool {
        lexical >= enough || (self.weight > 0.0 && lexical / self.weight >= ratio)
    }
}

fn stem_weight(stem: &str) -> f32 {
    if stem.chars().any(|c| c.is_ascii_digit()) {
        1.5
    } else if stem.len() >= 6 {
        1.2
    } else {
        1.0
    }
}

/// Judges `reply` against `asks` (those of the message `print` was made from).
/// `third_party`: the reply is not from the person the asks were put to.
pub fn judge(
    asks: &mut [Ask],
    print: &SentPrint,
    reply: &Message,
    zoned: &Zoned<'_>,
    third_party: bool,
) {
    let needs: Vec<Need> = asks.iter().map(Need::of).collect();
    let stream = Stream::of(zoned);
    let sources = line_sources(zoned, &stream, print);
    let located: Vec<Option<usize>> = asks.iter().map(|a| locate(&a.text, &stream)).collect();
    let has_attachment = !reply.attachments.is_empty();
    // The day as the replier saw it, for "by Friday".
    let zone = jiff::tz::TimeZone::fixed(reply.date_offset.unwrap_or(jiff::tz::Offset::UTC));
    let reply_date = reply.date.map(|t| t.to_zoned(zone.clone()).date());

    // 1. Inline answers, written under the quoted ask. Text under a quoted ask that has
    //    nothing to do with it (a third person commenting on something else) is left to
    //    the prose step.
    let blocks = inline_blocks(zoned, &sources, &located);
    let mut decided = vec![false; asks.len()];
    // Text that answered the ask it was written under answers no other.
    let mut claimed: Vec<String> = Vec::new();
    if is_interleaved(&blocks) {
        for (i, block) in blocks.iter().enumerate() {
            let Some((_, block_text, shared)) = block else {
                continue;
            };
            let units = units_of(block_text);
            // Text right under a question put to the replier answers it; a third party's
            // text there must speak to it, and so must text under several asks at once.
            let relevant = if *shared {
                units
                    .iter()
                    .any(|u| score(&needs[i], u, has_attachment) >= 0.8)
            } else {
                !third_party
                    || units
                        .iter()
                        .any(|u| speaks_to(&needs[i], u, has_attachment, true))
            };
            if relevant && apply_units(&mut asks[i], &needs[i], &units, reply_date) {
                decided[i] = true;
                if !*shared {
                    claimed.push(squash(block_text));
                }
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
    let mut units = units_of_lines(&own);
    units.retain(|u| !claimed.iter().any(|block| block.contains(&squash(&u.text))));
    // An attachment answers "please send me the floor plan" when its name says so.
    units.extend(reply.attachments.iter().filter_map(|a| {
        let name = a.name.as_deref()?;
        let text = format!("[attached: {}]", name.replace(['_', '-', '.'], " "));
        Some(Unit {
            stems: content_stems(&text),
            text,
            act: Act::Answer,
            number: None,
            para: ATTACHMENT,
            seen: Seen::default(),
        })
    }));
    let replier = reply.from.as_ref().and_then(|a| {
        let name = a
            .first_name()
            .unwrap_or_else(|| a.email.split(['@', '.']).next().unwrap_or("").to_string());
        (!name.is_empty()).then(|| name.to_lowercase())
    });
    let prose = Prose {
        units: &units,
        has_attachment,
        reply_date,
        strict: third_party,
        replier,
    };
    prose.judge(asks, &needs, &mut decided);
}

/// Sets the ask's status from a block of text written for it. True if it said anything.
/// What a deferral is about, for one ask: its own words, or, when it points back ("I'll
/// put it on the agenda"), the words of the sentence before it.
fn deferral_topic(needs: &[Need], i: usize, units: &[Unit], n: usize) -> f32 {
    static POINTS_BACK: LazyLock<Regex> =
        LazyLock::new(|| re(r"(?i)\b(it|that|this|them|those|these)\b"));
    let need = &needs[i];
    let own = overlap(need, &units[n]);
    // "I'll ask finance for the claims history, it may take a few days" names its own
    // topic; its "it" does not point back to the sentence before.
    let has_own_topic = needs.iter().any(|other| overlap(other, &units[n]) >= 1.2);
    if has_own_topic || !POINTS_BACK.is_match(&units[n].text) {
        return own;
    }
    match n.checked_sub(1).map(|p| &units[p]) {
        Some(before) if before.para == units[n].para => overlap(need, before),
        _ => own,
    }
}

/// A deferral wins over answers that do not speak to the ask ("I may have to tweak the
/// lib. It will be Tuesday before I turn on my Mac").
fn apply_units(ask: &mut Ask, need: &Need, units: &[Unit], reply_date: Option<Date>) -> bool {
    let deferral = units.iter().find(|u| u.act == Act::Defer);
    let relevant = units
        .iter()
        .any(|u| u.act == Act::Answer && score(need, u, false) > 0.0);
    if let Some(u) = deferral
        && !relevant
    {
        defer(ask, u, reply_date);
        return true;
    }
    if units.iter().any(|u| u.act == Act::Answer) {
        let evidence = units
            .iter()
            .filter(|u| u.act != Act::Nothing)
            .map(|u| u.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        set(ask, Status::Answered, &evidence, None);
        return true;
    }
    false
}

fn defer(ask: &mut Ask, unit: &Unit, reply_date: Option<Date>) {
    let until = reply_date.and_then(|d| deferred_until(&unit.text, d));
    set(ask, Status::Deferred, &unit.text, until);
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

/// A reply's own prose, matched against the asks it did not answer inline.
struct Prose<'a> {
    units: &'a [Unit],
    has_attachment: bool,
    reply_date: Option<Date>,
    /// Ask for shared words, as in a long reply.
    strict: bool,
    /// The replier's first name, lower-cased.
    replier: Option<String>,
}

/// In a reply this long, an answer must share words with its ask: the right shape alone
/// ("a date", "a yes") is too easy to find by chance.
const SHORT_REPLY_UNITS: usize = 6;

impl Prose<'_> {
    fn judge(&self, asks: &mut [Ask], needs: &[Need], decided: &mut [bool]) {
        let units = self.units;
        if units.is_empty() && !self.has_attachment {
            return;
        }
        // Answers numbered "1) 2) 4)" speak only for their numbers: the skipped third ask
        // must not borrow the first answer's "Yes".
        let by_number = self.numbered(asks, needs, decided);
        if self.blanket(asks, decided) {
            return;
        }
        self.matched(asks, needs, decided, by_number);
        self.leftovers(asks, needs, decided);
    }

    /// "2) 64 annual, 210 monthly." answers the second ask (or the ask numbered 2).
    fn numbered(&self, asks: &mut [Ask], needs: &[Need], decided: &mut [bool]) -> bool {
        let numbered: Vec<&Unit> = self.units.iter().filter(|u| u.number.is_some()).collect();
        if numbered.len() < 2 {
            return false;
        }
        for (ordinal, ask) in asks.iter_mut().enumerate() {
            if decided[ordinal] {
                continue;
            }
            let n = ask.number.unwrap_or(ordinal as u32 + 1);
            let mine: Vec<Unit> = numbered
                .iter()
                .filter(|u| u.number == Some(n))
                .map(|u| (*u).clone())
                .collect();
            if !mine.is_empty() && apply_units(ask, &needs[ordinal], &mine, self.reply_date) {
                decided[ordinal] = true;
            }
        }
        true
    }

    /// "Yes to all four" answers everything still open.
    fn blanket(&self, asks: &mut [Ask], decided: &mut [bool]) -> bool {
        let Some(u) = self
            .units
            .iter()
            .find(|u| u.act == Act::Answer && BLANKET.is_match(&u.text))
        else {
            return false;
        };
        for (i, ask) in asks.iter_mut().enumerate() {
            if !decided[i] {
                set(ask, Status::Answered, &u.text, None);
                decided[i] = true;
            }
        }
        true
    }

    /// Matches sentences to asks, best pairs first.
    fn matched(&self, asks: &mut [Ask], needs: &[Need], decided: &mut [bool], by_number: bool) {
        let units = self.units;
        // Sentences that say something (attachments are not sentences).
        let speaking: Vec<usize> = (0..units.len())
            .filter(|&u| units[u].act != Act::Nothing && units[u].para != ATTACHMENT)
            .collect();
        let talkative = self.strict || speaking.len() > SHORT_REPLY_UNITS;
        // As many sentences as open asks: the n-th sentence likely answers the n-th ask.
        let open: Vec<usize> = (0..asks.len()).filter(|&i| !decided[i]).collect();
        let mut in_order: Vec<Option<usize>> = vec![None; units.len()];
        if !talkative && speaking.len() == open.len() && open.len() > 1 {
            for (&u, &i) in speaking.iter().zip(&open) {
                in_order[u] = Some(i);
            }
        }
        // A deferral speaks for its whole paragraph ("For the seat pricing I need to
        // check. I'll get back to you on that.").
        let deferrals: Vec<Option<(usize, f32)>> = (0..asks.len())
            .map(|i| {
                units
                    .iter()
                    .enumerate()
                    .filter(|(_, u)| u.act == Act::Defer)
                    .map(|(n, _)| (n, deferral_topic(needs, i, units, n)))
                    .filter(|(_, topic)| *topic >= 1.0)
                    .max_by(|a, b| a.1.total_cmp(&b.1))
            })
            .collect();
        let mut pairs: Vec<(f32, usize, usize, f32)> = Vec::new(); // score, ask, unit, lexical
        for i in (0..asks.len()).filter(|&i| !decided[i]) {
            for (u, unit) in units.iter().enumerate() {
                if unit.act == Act::Nothing || (by_number && unit.number.is_some()) {
                    continue;
                }
                let lexical = overlap(&needs[i], unit);
                // An ask its deferral speaks to more closely is deferred whatever answers
                // it a little; it must not take that sentence from another ask.
                if deferrals[i].is_some_and(|(_, topic)| topic >= lexical) {
                    continue;
                }
                let mut s = score(&needs[i], unit, self.has_attachment);
                // Short replies tend to answer in the order asked, and people answer what
                // was put to them by name rather than what was put to someone else.
                if in_order.get(u) == Some(&Some(i)) {
                    s += 0.6;
                }
                match (&needs[i].addressee, &self.replier) {
                    (Some(to), Some(from)) if to == from => s += 0.5,
                    (Some(_), Some(_)) => s -= 0.7,
                    _ => {}
                }
                let enough = if talkative {
                    (lexical >= 1.0 && s >= 1.5 && needs[i].covered(lexical, 2.5, 0.25))
                        || specific_shape(&needs[i], unit, self.has_attachment) >= 1.0
                } else {
                    s >= 1.0 && (s - lexical > 0.0 || needs[i].covered(lexical, 2.0, 0.2))
                };
                if *DEBUG_JUDGE {
                    eprintln!(
                        "judge: ask {i} × {:?}: lexical {lexical:.2} generic {:.2} specific {:.2} score {s:.2} {}",
                        unit.text,
                        generic_shape(&needs[i], unit),
                        specific_shape(&needs[i], unit, self.has_attachment),
                        if enough { "ACCEPT" } else { "" }
                    );
                }
                if enough {
                    pairs.push((s, i, u, lexical));
                }
            }
        }
        pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut best: Vec<Option<usize>> = vec![None; asks.len()];
        let mut used: HashSet<usize> = HashSet::new();
        // A short reply of one sentence per ask, each fitting its ask at least a little,
        // answers in order ("180,000 euros ... / Your own team can pick them up / 50 lux").
        let fitting = in_order
            .iter()
            .enumerate()
            .filter_map(|(u, i)| i.map(|i| (u, i)))
            .filter(|&(u, i)| score(&needs[i], &units[u], self.has_attachment) > 0.0)
            .count();
        let ordered = open.len() >= 2
            && in_order.iter().any(Option::is_some)
            && fitting + usize::from(open.len() >= 3) >= open.len();
        if ordered {
            for (u, i) in in_order.iter().enumerate() {
                if let Some(i) = *i {
                    best[i] = Some(u);
                }
            }
        }
        // How many asks each sentence answered by its shape alone.
        let mut shape_uses: Vec<usize> = vec![0; units.len()];
        for &(_, i, u, lexical) in pairs.iter().filter(|_| !ordered) {
            // A sentence can answer two asks when it names both. A second ask may share
            // it when the sentence names it, or names it a little and has the right kind
            // of content for it, past any "No, ..." that answered the first. A sentence
            // that only has the right shape ("Tuesday works") answers one ask per clause:
            // "Will do - I can begin on Monday 2nd" agrees to one and dates another.
            let names_it = lexical >= 1.2
                || (lexical >= 1.0
                    && generic_shape(&needs[i], &units[u]) > 0.0
                    && !seen(
                        &units[u].seen.strong_yes_no,
                        &STRONG_YES_NO,
                        bare(&units[u].text),
                    ));
            let shape_room = shape_uses[u] < units[u].clauses();
            let free = if lexical == 0.0 {
                shape_room && (shape_uses[u] > 0 || !used.contains(&u))
            } else {
                shape_uses[u] == 0 && (names_it || !used.contains(&u))
            };
            if best[i].is_some() || !free {
                continue;
            }
            best[i] = Some(u);
            used.insert(u);
            if lexical == 0.0 {
                shape_uses[u] += 1;
            }
        }

        for i in 0..asks.len() {
            if decided[i] {
                continue;
            }
            let answer = best[i].filter(|&u| units[u].act == Act::Answer);
            let answer_score = answer.map_or(0.0, |u| overlap(&needs[i], &units[u]));
            let deferral = deferrals[i].map(|(n, topic)| (&units[n], topic));
            match (answer, deferral) {
                (_, Some((u, topic))) if topic >= answer_score => {
                    defer(&mut asks[i], u, self.reply_date)
                }
                (Some(u), _) => set(&mut asks[i], Status::Answered, &units[u].text, None),
                (None, Some((u, _))) => defer(&mut asks[i], u, self.reply_date),
                (None, None) => continue,
            }
            decided[i] = true;
        }
    }

    /// What is still open after matching: a lone ask answered by a reply that speaks to
    /// it, a bare "+1" for yes/no asks, and deferrals that name no topic ("I'll get back
    /// to you on the rest").
    fn leftovers(&self, asks: &mut [Ask], needs: &[Need], decided: &mut [bool]) {
        let units = self.units;
        let answers: Vec<&Unit> = units.iter().filter(|u| u.act == Act::Answer).collect();
        let still: Vec<usize> = (0..asks.len()).filter(|&i| !decided[i]).collect();
        // A third party must be matched properly; no benefit of the doubt.
        if asks.len() == 1 && still.len() == 1 && !self.strict {
            let need = &needs[0];
            // A lone ask, a reply from the one asked: a related word is enough.
            let related = answers
                .iter()
                .any(|u| overlap(need, u) >= 0.7 || (need.wants.yes_no && yes_no_answer(u)));
            if related {
                let text = answers
                    .iter()
                    .map(|u| u.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                set(&mut asks[0], Status::Answered, &text, None);
                decided[0] = true;
                return;
            }
        }
        // A reply that is nothing but "+1" or "Sure!" says yes to every yes/no ask; "Yes,
        // 2,500 is right." says yes to one.
        let bare_yes = |u: &Unit| {
            yes_no_answer(u)
                && u.text.split_whitespace().count() <= 4
                && !u.text.contains(|c: char| c.is_ascii_digit() && c != '1')
                && needs.iter().all(|n| overlap(n, u) == 0.0)
        };
        if let [only] = answers[..]
            && bare_yes(only)
        {
            for &i in &still {
                if needs[i].wants.yes_no || asks[i].text.split_whitespace().count() <= 3 {
                    set(&mut asks[i], Status::Answered, &only.text, None);
                    decided[i] = true;
                }
            }
        }
        let generic = units.iter().find(|u| {
            u.act == Act::Defer
                && (REST.is_match(&u.text) || needs.iter().all(|n| overlap(n, u) == 0.0))
        });
        if let Some(u) = generic {
            for i in 0..asks.len() {
                if !decided[i] {
                    defer(&mut asks[i], u, self.reply_date);
                }
            }
        }
    }
}

fn yes_no_answer(u: &Unit) -> bool {
    *u.seen.yes_no.get_or_init(|| reads_yes_no(&u.text))
}

fn reads_yes_no(text: &str) -> bool {
    static ACCEPT: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?i)\b(works|work\s+(for|with)\s+(me|us)|suits\s+(me|us)|(is|are)\s+(fine|good|ok|okay|perfect|great)|sounds\s+good|no\s+problem|i'll\s+be\s+there|count\s+me\s+in)\b",
        )
    });
    static CONJUNCTION: LazyLock<Regex> =
        LazyLock::new(|| re(r"(?i)^(and|but|so|also|plus|oh|as\s+for\s+that)\b[,\s]*"));
    let text = bare(text);
    let text = CONJUNCTION.find(text).map_or(text, |m| &text[m.end()..]);
    // "30 days is fine for co-ops - put the terms on the PO": the first clause decides.
    let first = text.split([';', '-', '—', '–']).next().unwrap_or(text);
    YES_NO_START.is_match(text)
        || (first.split_whitespace().count() <= 12 && ACCEPT.is_match(first))
}

/// "Done now.", "Booked for Thursday": a request was carried out. Answers requests, not
/// questions ("once or twice daily?" is not answered by "Done").
fn carried_out(u: &Unit) -> bool {
    static DONE: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?i)\b(done|booked|scheduled|arranged|sorted|fixed|sent|added|reset|taken\s+care\s+of|on\s+it|will\s+do|no\s+problem|sure\s+thing|(you're|you\s+are|we're|we\s+are|all)\s+(all\s+)?set)\b",
        )
    });
    *u.seen.carried_out.get_or_init(|| {
        let text = bare(&u.text);
        text.split_whitespace().count() <= 15 && DONE.is_match(text)
    })
}

/// The unit speaks to the need: one shared word in passing is not enough; the shape must
/// fit too, or the words must cover the ask. `strict` for long replies and third parties.
fn speaks_to(need: &Need, unit: &Unit, has_attachment: bool, strict: bool) -> bool {
    let lexical = overlap(need, unit);
    let s = score(need, unit, has_attachment);
    if strict {
        lexical >= 1.0 && s >= 1.5 && need.covered(lexical, 2.5, 0.25)
    } else {
        s >= 1.0 && (s - lexical > 0.0 || need.covered(lexical, 2.0, 0.2))
    }
}

/// The sentence without leading punctuation, "[Name@Co]" answer tags and a greeting
/// ("Hi Beatriz, here you go.").
fn bare(text: &str) -> &str {
    static TAG: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?i)^\s*(\[[^\]]+\]\s*|(hi|hello|hey|dear|thanks|thank\s+you)\s+[\p{L}'-]+\s*[,!:]\s*)",
        )
    });
    let text = match TAG.find(text) {
        Some(m) if m.end() < text.len() => &text[m.end()..],
        _ => text,
    };
    text.trim_start_matches(|c: char| !c.is_alphanumeric() && c != '+' && c != '-')
}

/// Shared topic words between an ask and a unit, weighted: numbers and long words count
/// more, near-forms ("storage"/"stored") a little less.
fn overlap(need: &Need, unit: &Unit) -> f32 {
    let mut total = 0.0;
    for a in &need.stems {
        let weight = stem_weight(&a.text);
        if unit.stems.iter().any(|s| s.text == a.text) {
            total += weight;
        } else if unit
            .stems
            .iter()
            .any(|s| near(&a.text, &s.text) || a.groups & s.groups != 0)
        {
            total += 0.7 * weight;
        }
    }
    total
}

fn near(a: &str, b: &str) -> bool {
    // Four common characters start with four common bytes: most pairs differ there.
    if a.as_bytes().get(..4) != b.as_bytes().get(..4) {
        return false;
    }
    let common = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let shorter = a.chars().count().min(b.chars().count());
    common >= 4 && common * 5 >= shorter * 4
}

/// How well `unit` answers an ask: shared words plus the right shape of answer.
fn score(need: &Need, unit: &Unit, has_attachment: bool) -> f32 {
    let lexical = overlap(need, unit);
    if unit.act == Act::Defer {
        // A deferral must name its topic; its shape says nothing.
        return lexical;
    }
    lexical + generic_shape(need, unit).max(specific_shape(need, unit, has_attachment))
}

/// The answer has the kind of content the ask wants: a time for "when", a number for "how
/// many", one of the options of "A or B?", a yes or no. Common enough to happen by chance.
fn generic_shape(need: &Need, unit: &Unit) -> f32 {
    let wants = &need.wants;
    let text = &unit.text;
    let seen_in = |cell, pattern| seen(cell, pattern, text);
    let mut shape: f32 = 0.0;
    if wants.when && seen_in(&unit.seen.time, &TIME_WORDS) {
        shape = shape.max(1.0);
    }
    // "Can it be in place before the anniversary on 3 June?" asks about a date too.
    if wants.dated && seen_in(&unit.seen.time, &TIME_WORDS) {
        shape = shape.max(0.8);
    }
    if wants.number && seen_in(&unit.seen.number, &NUMBER_WORDS) {
        // "How many instructors?" is answered by any number; "the insurance value" by
        // most.
        shape = shape.max(if wants.count { 1.0 } else { 0.8 });
    }
    if wants.who && seen_in(&unit.seen.person, &PERSON) {
        shape = shape.max(1.0);
    }
    if wants.place && seen_in(&unit.seen.place, &PLACE_WORDS) {
        shape = shape.max(0.6);
    }
    if unit.stems.iter().any(|s| {
        wants
            .options
            .iter()
            .any(|o| *o == s.text || near(o, &s.text))
    }) {
        shape = shape.max(1.2);
    }
    if (wants.yes_no && yes_no_answer(unit)) || (wants.request && carried_out(unit)) {
        shape = shape.max(1.0);
    }
    shape
}

/// The answer is the kind of sentence that only answers this kind of ask: "We use MOSIX"
/// for "what do you use?", "How about a hard reset?" for "any hint?", a file for "please
/// send me the file". Telling even in a long reply.
fn specific_shape(need: &Need, unit: &Unit, has_attachment: bool) -> f32 {
    let wants = &need.wants;
    let text = &unit.text;
    let quoted_phrase = text.contains('"') || text.contains('\u{201c}') || text.contains(':');
    let seen_in = |cell, pattern| seen(cell, pattern, text);
    let fits = (wants.offer && seen(&unit.seen.directive, &DIRECTIVE, bare(text)))
        || (wants.wording && quoted_phrase)
        || (wants.update && unit.act == Act::Answer && unit.stems.len() >= 3)
        || (wants.review && seen_in(&unit.seen.reviewed, &REVIEWED))
        || (wants.practice && seen_in(&unit.seen.practice, &PRACTICE))
        || (wants.pick && seen_in(&unit.seen.pick, &PICK))
        || (wants.advice && seen(&unit.seen.suggestion, &SUGGESTION, bare(text)))
        || (wants.experience && seen_in(&unit.seen.experience, &EXPERIENCE));
    if wants.send && has_attachment && seen_in(&unit.seen.attached, &ATTACHED) {
        1.5
    } else if fits {
        1.0
    } else {
        0.0
    }
}

/// The reply's words as hashes, each with the line it is on: hashed once, then used to
/// tell quoted lines from new ones and to find the quoted asks.
struct Stream {
    words: Vec<(u32, usize)>,
    /// Where each line's words start in `words`.
    line_start: Vec<usize>,
}

impl Stream {
    fn of(zoned: &Zoned<'_>) -> Stream {
        // Room for the words of typical prose up front (a word and its space take six
        // bytes or more), rather than growing the vector a dozen times on a long reply.
        let bytes: usize = zoned.lines.iter().map(|l| l.text.len()).sum();
        let mut words = Vec::with_capacity(bytes / 6);
        let mut line_start = Vec::with_capacity(zoned.lines.len() + 1);
        for (i, line) in zoned.lines.iter().enumerate() {
            line_start.push(words.len());
            for_each_word(line.text, |w| words.push((hash(w), i)));
        }
        line_start.push(words.len());
        Stream { words, line_start }
    }

    /// The words of line `i`, with the line's index beside each.
    fn line_words(&self, i: usize) -> &[(u32, usize)] {
        &self.words[self.line_start[i]..self.line_start[i + 1]]
    }

    fn line_len(&self, i: usize) -> usize {
        self.line_start[i + 1] - self.line_start[i]
    }
}

/// Marks where each reply line came from.
fn line_sources(zoned: &Zoned<'_>, stream: &Stream, print: &SentPrint) -> Vec<Source> {
    let mut out: Vec<Source> = zoned
        .lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            if line.text.trim().is_empty() {
                return Source::Blank;
            }
            match line.kind {
                Kind::Attribution | Kind::Signature | Kind::Disclaimer | Kind::Forwarded => {
                    return Source::Furniture;
                }
                Kind::Own | Kind::Quote { .. } => {}
            }
            if matches!(line.kind, Kind::Quote { depth: 2.. }) {
                // Quoted twice: what the sent message quoted, or older still.
                return Source::Sent;
            }
            if stream.line_len(i) < 3 {
                // Too short to tell; decided by its neighbours below.
                return Source::Furniture;
            }
            let w = stream.line_words(i);
            let grams = w.len() - 2;
            // Under a quote header a client may have changed a word here and there. A line
            // of the replier's own that quotes the sent text without any mark copies it
            // whole; one that echoes most of an ask ("Mark has the keys to the old storage
            // room") is an answer.
            let needed = match line.kind {
                Kind::Own => grams - grams / 10,
                _ => (grams * 3).div_ceil(5),
            };
            // Triples are looked up only until the count is decided either way: most long
            // lines are plainly quoted or plainly new after a few of them.
            let (mut hits, mut left) = (0, grams);
            for g in w.windows(3) {
                if hits >= needed || hits + left < needed {
                    break;
                }
                left -= 1;
                if print.contains(triple(g[0].0, g[1].0, g[2].0)) {
                    hits += 1;
                }
            }
            if hits >= needed {
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
            && stream.line_len(i) < 3;
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
fn locate(ask: &str, stream: &Stream) -> Option<usize> {
    let mut ask_words: Vec<u32> = Vec::new();
    for_each_word(ask, |w| ask_words.push(hash(w)));
    if ask_words.len() < 2 {
        return None;
    }
    let tail_len = ask_words.len().min(4);
    let tail = &ask_words[ask_words.len() - tail_len..];
    let head = &ask_words[..ask_words.len().min(4)];
    let words = &stream.words;
    let find = |from: usize, needle: &[u32]| {
        words[from..]
            .windows(needle.len())
            .position(|win| win.iter().zip(needle).all(|((w, _), n)| w == n))
            .map(|p| p + from)
    };
    let start = find(0, head)?;
    let end_pos = find(start, tail)? + tail_len - 1;
    // The quoted ask must be quoted whole, not scattered over the reply.
    if end_pos - start > ask_words.len() * 2 + 6 {
        return None;
    }
    Some(words[end_pos].1)
}

/// For each located ask, the first new text below it: (first line, text, shared), where
/// `shared` says other asks were quoted between the ask and that text.
fn inline_blocks(
    zoned: &Zoned<'_>,
    sources: &[Source],
    located: &[Option<usize>],
) -> Vec<Option<(usize, String, bool)>> {
    let n = zoned.lines.len();
    let blocks: Vec<Option<(usize, String, bool)>> = located
        .iter()
        .map(|at| {
            let at = (*at)?;
            let mut i = at + 1;
            let mut shared = false;
            while i < n && matches!(sources[i], Source::Blank | Source::Sent) {
                shared |= located.contains(&Some(i));
                i += 1;
            }
            if i >= n || sources[i] != Source::New || !answerable_kind(zoned.lines[i].kind) {
                return None;
            }
            let start = i;
            let mut text = String::new();
            while i < n
                && matches!(sources[i], Source::New | Source::Blank)
                && answerable_kind(zoned.lines[i].kind)
            {
                text.push_str(zoned.lines[i].text);
                text.push('\n');
                i += 1;
            }
            Some((start, text, shared))
        })
        .collect();
    // Asks quoted together above one answer share it, whichever comes first.
    let mut blocks = blocks;
    let starts: Vec<Option<usize>> = blocks
        .iter()
        .map(|b| b.as_ref().map(|(s, _, _)| *s))
        .collect();
    for (k, block) in blocks.iter_mut().enumerate() {
        if let Some((start, _, shared)) = block {
            *shared |= starts
                .iter()
                .enumerate()
                .any(|(j, other)| j != k && *other == Some(*start));
        }
    }
    blocks
}

/// Own text, or unmarked quoting (Outlook) where repliers write "[Name] answer" lines.
fn answerable_kind(kind: Kind) -> bool {
    matches!(kind, Kind::Own | Kind::Quote { depth: 0 })
}

/// The reply answers between the quoted asks, rather than once above or below the quote.
fn is_interleaved(blocks: &[Option<(usize, String, bool)>]) -> bool {
    let mut starts: Vec<usize> = blocks
        .iter()
        .flatten()
        .map(|(start, _, _)| *start)
        .collect();
    starts.sort_unstable();
    starts.dedup();
    starts.len() >= 2
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
                seen: Seen::default(),
            }
        })
        .collect()
}

/// Independent clauses of a sentence: "Will do - I can begin on Monday 2nd" has two.
fn clauses(text: &str) -> usize {
    static CUT: LazyLock<Regex> =
        LazyLock::new(|| re(r";\s+|\s+[-—–]\s+|,\s+and\s+(i|we|you|it|they)\b"));
    1 + CUT.find_iter(text).count()
}

/// An answer that opens with a plain yes or no.
static STRONG_YES_NO: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(yes|yeah|yep|yup|no|nope|sure|of\s+course|absolutely|definitely|certainly|correct)\b",
    )
});

fn act(sentence: &str) -> Act {
    let text = sentence.trim();
    let bare = bare(text);
    // "Yes, Tendai will be going, I'll send the form tomorrow" answers first; "Sure, let
    // me pick this up" takes a task for later.
    let takes_on_for_later = TAKES_ON.is_match(bare) && DEFER.is_match(bare);
    if ECHO.is_match(bare) {
        return Act::Nothing;
    }
    if SUGGESTION.is_match(bare)
        || (STRONG_YES_NO.is_match(bare) && !text.ends_with('?') && !takes_on_for_later)
    {
        return Act::Answer;
    }
    if text.ends_with('?') || ASKS_BACK.is_match(bare) {
        return Act::Nothing;
    }
    if DEFER.is_match(bare) {
        return Act::Defer;
    }
    if ACK.is_match(bare)
        || ABSENCE.is_match(bare)
        || NO_ANSWER.is_match(bare)
        || super::asks::is_greeting(bare)
        || bare.is_empty()
        || text.starts_with('[') && text.ends_with(']')
    {
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
        // Another asker, whatever the first word.
        assert_eq!(act("+1, would also like to know."), Act::Nothing);
        assert_eq!(act("We're in the same boat with our boxes."), Act::Nothing);
        assert_eq!(
            act("Dr. Ward is away until the 20th; I'll ask her then."),
            Act::Defer
        );
        assert_eq!(
            act("The answer is quite different depending on that."),
            Act::Nothing
        );
        assert_eq!(
            act("The fix is to pin it, depending on which version you run."),
            Act::Answer
        );
    }

    #[test]
    fn wants_of_asks() {
        assert!(wants("Can you scan them at 1200 dpi?").yes_no);
        // A choice between two questions is not answered by "yes".
        assert!(
            !wants("Would your team collect the plates, or do we need to deliver them?").yes_no
        );
        assert!(wants("What turnaround should we allow?").when);
        assert!(wants("could you sign off CR-118 by Wednesday?").review);
        assert!(!REVIEWED.is_match("Thanks Ann, great update"));
        assert!(REVIEWED.is_match("Looks good to me, approved"));
    }

    #[test]
    fn options_of_a_choice() {
        assert_eq!(
            options("do you prefer a lavalier or a handheld mic?"),
            vec!["lavali", "prefer", "handheld", "mic"]
        );
    }
}
