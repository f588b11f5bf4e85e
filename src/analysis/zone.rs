//! Zoning: which lines of a body the sender wrote now, and which are quoted mail,
//! attribution lines, forwarded mail, signatures or disclaimers.
//!
//! Works line by line on plain text (HTML arrives here already turned into text with
//! blockquotes as `>` lines). Quoting without `>` (Outlook's "From: / Sent:" blocks,
//! "-----Original Message-----") quotes everything below it.

use std::sync::LazyLock;

use regex::Regex;

use super::text::re;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text the sender wrote in this message.
    Own,
    /// Quoted earlier mail; `depth` counts `>` markers (0 for quoting without markers).
    Quote {
        depth: usize,
    },
    /// "On ... wrote:", "-----Original Message-----", an Outlook header block.
    Attribution,
    /// A forwarded message and its header block.
    Forwarded,
    Signature,
    Disclaimer,
}

impl Kind {
    pub fn is_own(self) -> bool {
        self == Kind::Own
    }
}

#[derive(Debug, Clone)]
pub struct Line<'a> {
    /// The line with quote markers removed.
    pub text: &'a str,
    pub kind: Kind,
}

/// A body cut into zoned lines.
#[derive(Debug, Clone)]
pub struct Zoned<'a> {
    pub lines: Vec<Line<'a>>,
}

impl<'a> Zoned<'a> {
    /// The own lines with their indices, blank lines kept as paragraph breaks.
    pub fn own_lines(&self) -> Vec<(usize, &'a str)> {
        self.lines
            .iter()
            .enumerate()
            .map(|(i, l)| (i, if l.kind.is_own() { l.text } else { "" }))
            .collect()
    }

    /// What the sender wrote themselves: no quoted text, no signature, no disclaimer.
    pub fn visible(&self) -> String {
        let mut out: Vec<&str> = Vec::new();
        for line in &self.lines {
            if line.kind.is_own() {
                let text = line.text.trim_end();
                if is_blank(text) && out.last().is_none_or(|l| l.is_empty()) {
                    continue;
                }
                out.push(if is_blank(text) { "" } else { text });
            } else if out.last().is_some_and(|l| !l.is_empty()) {
                out.push("");
            }
        }
        while out.last().is_some_and(|l| l.is_empty()) {
            out.pop();
        }
        out.join("\n")
    }
}

/// The verbs of "X wrote:" in the languages mail clients write them in.
static ATTRIBUTION_VERB: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(wrote|writes|schrieb|schreef|geschreven|a\s+écrit|a\s+ecrit|escribió|escribio|escreveu|ha\s+scritto|skrev|kirjoitti|napisał|napisała|napisal|napsal|napísal|pisze|пише|написал|написала|написав|írta|scrisse|a\s+scris|đã\s+viết|yazdı|kirjutas|rašė|rakstīja|έγραψε|ha\s+escrit|sent)(\s*\(a\))?\b|(写道|寫道|書きました|のメッセージ|작성)",
    )
});

/// Words a wrapped attribution may start with ("On", "Am", "Le", a date, ...).
static ATTRIBUTION_START: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\s*(on|am|le|el|em|op|il|den|dne|w\s+dniu|в|на|på|tanggal|el\s+día|ke|kl\.|vào|\d|日期|在)",
    )
});

/// Something a date or an address in an attribution has.
static DATED: LazyLock<Regex> =
    LazyLock::new(|| re(r"@|\d{1,2}:\d{2}|\b(19|20)\d\d\b|\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}"));

/// "2011/4/7 Nathan <support@example.com>" and "2016-03-03 17:21 GMT+01:00 Nathan": Gmail
/// in some locales, with no verb at all. Without an address, only the time zone Gmail
/// writes tells it from a dated line of the user's own.
static DATE_EMAIL_ATTRIBUTION: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b.*?(<[^\s@<>]+@[^\s@<>]+>|\S+@\S+)\s*:?\s*$|^\s*\d{4}-\d{1,2}-\d{1,2}\s+\d{1,2}:\d{2}\s+GMT[+-]\d{1,2}:\d{2}\s+\p{L}",
    )
});

static SEPARATOR: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\s*-{3,}\s*\p{L}[\p{L}' ]+\s*-{3,}\s*$|^\s*[-=_*\s]*(original message|ursprüngliche nachricht|originalnachricht|message d'origine|mensaje original|mail original|messaggio originale|oorspronkelijk bericht|opprinnelig melding|ursprungligt meddelande|alkuperäinen viesti|wiadomość oryginalna|исходное сообщение|reply message|original email)\s*[-=_*\s]*$",
    )
});

static FORWARD_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\s*([-=_*\s]*(forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado|messaggio inoltrato|doorgestuurd bericht|vidarebefordrat meddelande|videresendt melding)[-=_*\s]*|begin forwarded message:?|anfang der weitergeleiteten nachricht:?|début du message réexpédié\s*:?)\s*$",
    )
});

static HEADER_FROM: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\s*\*?(from|von|de|da|van|från|fra|od|от|lähettäjä|feladó|expéditeur|remitente)\s*\*?\s*:\s*\*?\s*\S",
    )
});

static HEADER_OTHER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\s*\*?(sent|date|gesendet|datum|envoyé|enviado|enviada|data|verzonden|skickat|sendt|wysłano|отправлено|päivämäärä|to|an|à|para|a|aan|till|til|do|кому|cc|subject|betreff|objet|asunto|oggetto|onderwerp|ämne|emne|temat|тема|assunto|aihe|sujet)\s*\*?\s*:",
    )
});

static HEADER_DATE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)^\s*\*?(date|sent|datum|gesendet|envoyé|enviado)\s*\*?\s*:\s*\S.*\d")
});

static RULE_LINE: LazyLock<Regex> = LazyLock::new(|| re(r"^\s*([-_=*]\s*){5,}$"));

static MOBILE_SIGNATURE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?ix)^\s*[\(<\[]*\s*(
            sent\s+(from|via|with|using|by)\b.*?
          | get\s+outlook\s+for\b.*
          | envoyé\s+(de|depuis)\s+mon\b.*
          | von\s+meinem\b.*?\bgesendet.*
          | gesendet\s+von\s+meinem\b.*
          | enviado\s+(desde|de)\s+(mi|meu)\b.*
          | inviato\s+da(l)?\s+(mio|iphone|ipad).*
          | verzonden\s+(vanaf|met|van)\b.*
          | skickat\s+från\b.*
          | sendt\s+fra\b.*
          | wysłane\s+z\b.*
          | отправлено\s+с\b.*
          | 從我的.*傳送 | 发自我的.*
          | diese\s+nachricht\s+wurde\s+von\s+meinem\b.*
          | (sent|typed)\s+on\s+(my\s+)?(iphone|ipad|mobile|phone|android).*
          | from\s+my\s+(iphone|ipad|android|mobile|phone).*
          | someone\s+from\s+mobile
          | sent\s+from\s+mobile.*
        )\s*[\)>\]]*\s*$")
});

static DASH_NAME: LazyLock<Regex> = LazyLock::new(|| re(r"^\s*-\s?\p{L}[\p{L}.]*\s*$"));

static SIGN_OFF: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\s*((bien|très|tres|best|many|kind|warm|warmest|with\s+best|herzliche|liebe|viele|beste|freundliche|un\s+cordial|muchos|cordiali|distinti|sincères|sinceres)\s+)?(thanks|thank you|many thanks|thanks a lot|thanks again|thx|cheers|best|best wishes|best regards|kind regards|warm regards|warmly|regards|sincerely|yours|yours truly|all the best|take care|talk soon|speak soon|rgds|br|mit freundlichen grüßen|mit freundlichen gruessen|viele grüße|beste grüße|lg|mfg|gruß|grüße|cordialement|bien à vous|amitiés|saludos|un saludo|atentamente|cumprimentos|abraços|groeten|met vriendelijke groet|hälsningar|med vänlig hälsning|med venlig hilsen|pozdrawiam|distinti saluti|cordiali saluti|saluti)\b[\s,.!:;-]*(\p{L}+[\s,.!]*){0,3}$",
    )
});

static DISCLAIMER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(subject to (public )?disclosure|open records|public records (law|act)|intended (solely )?(only )?for the (use of the )?(addressee|recipient|individual|person|named)|if you (are not|have received) (the intended|this (e-?mail|message|communication) in error)|(privileged|confidential)( and|,| or) (confidential|privileged|proprietary)|this (e-?mail|message|communication)( and any (attachments|files)( to it)?)? (is|are|may be|contains?) (strictly )?(confidential|privileged)|please (notify|inform) the sender|disclaimer|unauthori[sz]ed (use|disclosure|review|dissemination)|does not accept (any )?liability|vertraulich|destinataire|confidencial)",
    )
});

/// Zones `body` into own, quoted, attribution, forwarded, signature and disclaimer lines.
pub fn zone(body: &str) -> Zoned<'_> {
    let raw: Vec<&str> = body.lines().collect();
    // Each line's markers, read once: the loop below looks ahead as well.
    let quoted: Vec<(usize, &str)> = raw.iter().map(|l| quote_depth(l)).collect();
    let has_single_quotes = quoted.iter().any(|&(depth, _)| depth == 1);
    let mut lines: Vec<Line<'_>> = Vec::with_capacity(raw.len());
    // Once quoting without markers starts, it runs to the end.
    let mut rest_kind: Option<Kind> = None;
    let mut i = 0;
    while i < raw.len() {
        let line = raw[i];
        let (depth, text) = quoted[i];
        let prompt = depth >= 3 && !has_single_quotes && line.trim_start().starts_with(">>> ");
        if depth > 0 && !prompt {
            lines.push(Line {
                text,
                kind: Kind::Quote { depth },
            });
            i += 1;
            continue;
        }
        if let Some(kind) = rest_kind {
            lines.push(Line { text: line, kind });
            i += 1;
            continue;
        }
        if FORWARD_MARKER.is_match(line) {
            rest_kind = Some(Kind::Forwarded);
            lines.push(Line {
                text: line,
                kind: Kind::Forwarded,
            });
            i += 1;
            continue;
        }
        if SEPARATOR.is_match(line) || is_header_block(&raw, i) {
            rest_kind = Some(Kind::Quote { depth: 0 });
            lines.push(Line {
                text: line,
                kind: Kind::Attribution,
            });
            i += 1;
            continue;
        }
        if let Some(end) = glued_attribution(line) {
            lines.push(Line {
                text: &line[..end],
                kind: Kind::Own,
            });
            i += 1;
            if first_filled(&raw, &quoted, i).is_some_and(|depth| depth == 0) {
                rest_kind = Some(Kind::Quote { depth: 0 });
            }
            continue;
        }
        if let Some(span) = attribution_span(&raw, i) {
            for l in &raw[i..i + span] {
                lines.push(Line {
                    text: l,
                    kind: Kind::Attribution,
                });
            }
            i += span;
            // An attribution followed by unmarked text quotes that text (Yahoo, some
            // mobile clients); followed by `>` lines, own text may come back below them.
            // At the very top, with nothing written above it, it is a leftover of the
            // client and the text below is the reply.
            let next = first_filled(&raw, &quoted, i);
            let wrote_above = lines.iter().any(|l| l.kind.is_own() && !is_blank(l.text));
            if wrote_above && next.is_some_and(|depth| depth == 0) {
                rest_kind = Some(Kind::Quote { depth: 0 });
            }
            continue;
        }
        lines.push(Line {
            text: line,
            kind: Kind::Own,
        });
        i += 1;
    }
    unmark_lost_quote_lines(&mut lines);
    // Disclaimers first, so a name line above one still ends its block as a signature.
    mark_disclaimers(&mut lines);
    mark_signatures(&mut lines);
    Zoned { lines }
}

/// The quote depth of the first line from `i` on that is not blank.
fn first_filled(raw: &[&str], quoted: &[(usize, &str)], i: usize) -> Option<usize> {
    raw[i..]
        .iter()
        .zip(&quoted[i..])
        .find(|(l, _)| !l.trim().is_empty())
        .map(|(_, &(depth, _))| depth)
}

/// Blank, or only Gmail's invisible tracking mark (U+1427).
fn is_blank(line: &str) -> bool {
    line.chars()
        .all(|c| c.is_whitespace() || c == '\u{1427}' || c == '\u{200b}')
}

/// Counts leading `>` markers ("> > x", ">> x", "HJL> x") and returns the text after them.
fn quote_depth(line: &str) -> (usize, &str) {
    let mut depth = 0;
    let mut rest = line.trim_start();
    // Initials quoting: "HJL> text", "C>". Only the first five bytes can hold its '>'.
    if let Some(pos) = rest.bytes().take(5).position(|b| b == b'>')
        && pos > 0
        && pos <= 4
        && rest[..pos].chars().all(|c| c.is_ascii_uppercase())
        && rest[pos + 1..].chars().next().is_none_or(|c| c == ' ')
    {
        depth = 1;
        rest = &rest[pos + 1..];
    }
    while let Some(stripped) = rest.strip_prefix('>') {
        depth += 1;
        rest = stripped.trim_start_matches(' ');
    }
    if depth == 0 { (0, line) } else { (depth, rest) }
}

/// The line alone reads as an attribution ("On <date>, Dana <d@x> wrote:").
pub fn is_attribution(line: &str) -> bool {
    attribution_span(&[line], 0).is_some()
}

/// An attribution line, possibly wrapped over a few lines: returns how many lines it spans.
///
/// An attribution ends with a colon (or is wrapped in dashes, "---- Dana wrote ----"),
/// names a verb like "wrote" or is a date with an address, and carries a date or an
/// address, so that "I wrote 3 tests:" is not one.
fn attribution_span(raw: &[&str], i: usize) -> Option<usize> {
    let first = raw[i].trim();
    if first.is_empty() || first.len() > 300 {
        return None;
    }
    // Only a line that starts like an attribution ("On <date>", "Am <date>", a date) or
    // names an address may wrap onto the next lines; Polymail even puts blank lines inside.
    let may_wrap = (ATTRIBUTION_START.is_match(first) && DATED.is_match(first))
        || first.contains('@')
        || first.ends_with('<');
    let mut joined = String::new();
    for (n, line) in raw[i..]
        .iter()
        .take(if may_wrap { 6 } else { 1 })
        .enumerate()
    {
        let line = line.trim();
        if n > 0 && line.is_empty() {
            continue;
        }
        if n > 0 && quote_depth(line).0 > 0 {
            // A wrapped attribution can end on a line that starts with "> wrote:".
            let stripped = line.trim_start_matches('>').trim();
            if !stripped.ends_with(':') {
                return None;
            }
        }
        if !joined.is_empty() {
            joined.push(' ');
        }
        joined.push_str(line);
        if joined.len() > 400 {
            return None;
        }
        if reads_as_attribution(&joined) {
            return Some(n + 1);
        }
        if line.ends_with(['.', '?', '!']) && !line.contains('@') {
            return None;
        }
    }
    None
}

fn reads_as_attribution(text: &str) -> bool {
    let dashed = text.starts_with("--") || text.ends_with("--");
    let core = text.trim_matches(|c: char| c == '-' || c == '_' || c == '*' || c.is_whitespace());
    let closes = core.ends_with([':', '：']) || dashed;
    if DATE_EMAIL_ATTRIBUTION.is_match(core) {
        return true;
    }
    if !closes || core.contains("? ") || core.contains("! ") {
        return false;
    }
    let verb = ATTRIBUTION_VERB.find_iter(core).last();
    // The verb sits near the end: "X wrote:", or "X schrieb am <date>:".
    let verb_at_end = verb.is_some_and(|m| core.len() - m.end() <= 45);
    if !verb_at_end {
        return false;
    }
    if DATED.is_match(core) || ATTRIBUTION_START.is_match(core) {
        return true;
    }
    // Undated: only "Dana Reyes wrote:", a short name right before the verb.
    let before = verb.map_or("", |m| &core[..m.start()]);
    let after = verb.map_or("", |m| &core[m.end()..]);
    let names = before.split_whitespace().count();
    after.trim() == ":"
        && (1..=4).contains(&names)
        && before
            .split_whitespace()
            .all(|w| w.starts_with(|c: char| c.is_uppercase() || c == '"' || c == '\''))
}

/// "reply On Wed, Apr 4, 2012 at 3:59 PM, bob@example.com wrote:": some clients glue the
/// attribution to the end of the reply's last line. Returns where the attribution starts.
fn glued_attribution(line: &str) -> Option<usize> {
    const STARTS: [&str; 6] = ["On", "Am", "Le", "El", "Op", "Em"];
    static GLUED: LazyLock<Regex> =
        LazyLock::new(|| re(&format!(r"\S\s*-*\s*\b({})\s", STARTS.join("|"))));
    // Every own line is asked, and the pattern must read all of it: the words it needs
    // are found much faster first.
    if !STARTS.iter().any(|w| line.contains(w)) {
        return None;
    }
    let m = GLUED.find_iter(line).last()?;
    let at = line[m.start()..]
        .find(|c: char| c.is_uppercase())
        .map(|p| p + m.start())?;
    let start = line[..at].trim_end_matches(['-', ' ']).len();
    (start > 0 && reads_as_attribution(&line[at..])).then_some(start)
}

/// An Outlook-style header block ("From: ... Sent: ... To: ... Subject: ..."), possibly
/// behind a rule line, starts at `i`.
fn is_header_block(raw: &[&str], i: usize) -> bool {
    let start = if RULE_LINE.is_match(raw[i]) {
        match raw[i + 1..].iter().position(|l| !l.trim().is_empty()) {
            Some(off) if off <= 2 => i + 1 + off,
            _ => return false,
        }
    } else {
        i
    };
    // "From: a@b" with a "Date:" under it is enough; without an address, want two more.
    let first = raw[start];
    let from = HEADER_FROM.is_match(first);
    if !from && !HEADER_DATE.is_match(first) {
        return false;
    }
    let others = raw[start + 1..]
        .iter()
        .take(8)
        .take_while(|l| !l.trim().is_empty() || from)
        .filter(|l| HEADER_OTHER.is_match(l))
        .count();
    others >= 2 || (others == 1 && (first.contains('@') || !from))
}

/// Gmail on phones loses the `>` of a quote's first line when it rewraps it: a line
/// that does not end a sentence and runs on, in lower case, into a quoted line is quote.
fn unmark_lost_quote_lines(lines: &mut [Line<'_>]) {
    for i in 0..lines.len().saturating_sub(1) {
        if lines[i].kind != Kind::Own {
            continue;
        }
        let text = lines[i].text.trim();
        let next = &lines[i + 1];
        let runs_on = !text.is_empty()
            && !text.ends_with(['.', '?', '!', ':', ';', ','])
            && next
                .text
                .trim_start()
                .starts_with(|c: char| c.is_lowercase());
        let prev_own_blank =
            i == 0 || lines[i - 1].text.trim().is_empty() || !lines[i - 1].kind.is_own();
        if runs_on && prev_own_blank && matches!(next.kind, Kind::Quote { depth: 1 }) {
            lines[i].kind = Kind::Quote { depth: 1 };
        }
    }
}

/// Marks signatures in each run of own lines: after "-- ", from a "Sent from my iPhone"
/// line, and a closing sign-off with the short name/title/contact lines under it.
fn mark_signatures(lines: &mut [Line<'_>]) {
    let mut start = 0;
    while start < lines.len() {
        if !lines[start].kind.is_own() {
            start += 1;
            continue;
        }
        let mut end = start;
        while end < lines.len() && (lines[end].kind.is_own()) {
            end += 1;
        }
        mark_block_signature(&mut lines[start..end]);
        start = end;
    }
}

fn mark_block_signature(block: &mut [Line<'_>]) {
    let mut cut = block.iter().enumerate().position(|(i, l)| {
        let t = l.text.trim_end();
        // Counted only for a "---" line: counting for every line is quadratic.
        let rest = || {
            block[i + 1..]
                .iter()
                .filter(|l| !l.text.trim().is_empty())
                .count()
        };
        matches!(t.trim(), "--" | "—" | "__")
            // "---" also ends a patch's message, with the diffstat below: only a few
            // short lines under it make a signature.
            || (t.trim() == "---" && rest() <= 4)
            || MOBILE_SIGNATURE.is_match(t)
            || is_footer_rule(block, i)
    });
    // "-Lev." or "- roman" closing the message (above any phone signature).
    let before_cut = &block[..cut.unwrap_or(block.len())];
    if let Some(last) = before_cut.iter().rposition(|l| !l.text.trim().is_empty())
        && DASH_NAME.is_match(before_cut[last].text)
        && before_cut[..last].iter().any(|l| !l.text.trim().is_empty())
    {
        cut = Some(last);
    }
    let end = match cut {
        Some(cut) => {
            for l in &mut block[cut..] {
                l.kind = Kind::Signature;
            }
            cut
        }
        None => block.len(),
    };
    // A sign-off near the end with only short lines (name, title, phone) below it.
    let own = &block[..end];
    let nonblank: Vec<usize> = (0..own.len())
        .filter(|&i| !own[i].text.trim().is_empty())
        .collect();
    for (k, &i) in nonblank.iter().enumerate().rev().take(10) {
        if k == 0 {
            // A sign-off with nothing above it ("Thank you.") is the whole message.
            break;
        }
        let text = own[i].text.trim();
        let tail = &nonblank[k + 1..];
        let tail_is_signature =
            tail.len() <= 8 && tail.iter().all(|&j| is_signature_like(own[j].text));
        if SIGN_OFF.is_match(text) && tail_is_signature && !text.ends_with('?') {
            for l in &mut block[i..end] {
                l.kind = Kind::Signature;
            }
            return;
        }
        if !is_signature_like(text) {
            break;
        }
    }
    // No sign-off: a last paragraph of one to three name-like lines ("Jordan").
    if let Some(&last) = nonblank.last() {
        let para_start = (0..=last)
            .rev()
            .find(|&i| block[i].text.trim().is_empty())
            .map_or(0, |i| i + 1);
        let para = &block[para_start..=last];
        let content_above = block[..para_start]
            .iter()
            .any(|l| !l.text.trim().is_empty());
        // "Marisol Vega / Permit Technician | City of Cedar Falls / (319) 555-0102"
        let name_then_details = para.len() <= 5
            && is_name_like(para[0].text)
            && para[1..]
                .iter()
                .all(|l| is_signature_like(l.text) && !l.text.trim().ends_with('.'));
        if content_above && name_then_details {
            for l in &mut block[para_start..=last] {
                l.kind = Kind::Signature;
            }
        }
    }
}

/// A long rule with a few lines under it to the end: a list or webmail footer
/// ("___ / Numpy-discussion mailing list / ...", "Do You Yahoo!?").
fn is_footer_rule(block: &[Line<'_>], i: usize) -> bool {
    let t = block[i].text.trim();
    t.len() >= 10
        && RULE_LINE.is_match(t)
        && block[i + 1..]
            .iter()
            .filter(|l| !l.text.trim().is_empty())
            .count()
            <= 6
}

/// Short lines of names, titles, companies, phones and addresses.
fn is_signature_like(line: &str) -> bool {
    let t = line.trim();
    let words = t.split_whitespace().count();
    words <= 8 && !t.ends_with('?') && !(t.ends_with('.') && words > 4)
        || t.contains('@')
        || t.contains("http")
        || t.chars().filter(|c| c.is_ascii_digit()).count() >= 7
        || t.contains('|')
}

fn is_name_like(line: &str) -> bool {
    let t = line.trim();
    let words: Vec<&str> = t.split_whitespace().collect();
    !words.is_empty()
        && words.len() <= 4
        && !t.ends_with(['.', '?', '!', ':', ','])
        && words.iter().all(|w| {
            w.chars()
                .next()
                .is_some_and(|c| c.is_uppercase() || !c.is_alphabetic())
        })
}

/// Marks paragraphs of own text that read as legal disclaimers.
fn mark_disclaimers(lines: &mut [Line<'_>]) {
    let mut i = 0;
    while i < lines.len() {
        if !lines[i].kind.is_own() || lines[i].text.trim().is_empty() {
            i += 1;
            continue;
        }
        let mut j = i;
        let mut para = String::new();
        while j < lines.len() && lines[j].kind.is_own() && !lines[j].text.trim().is_empty() {
            para.push_str(lines[j].text.trim());
            para.push(' ');
            j += 1;
        }
        if para.len() > 60 && DISCLAIMER.is_match(&para) {
            for l in &mut lines[i..j] {
                l.kind = Kind::Disclaimer;
            }
        }
        i = j;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visible(body: &str) -> String {
        zone(body).visible()
    }

    #[test]
    fn gmail_top_post() {
        let body = "Yes, 2,500 is right.\n\nOn Tue, Nov 3, 2026 at 9:12 AM Maya <maya@b.io> wrote:\n> 1. Can you confirm?\n";
        assert_eq!(visible(body), "Yes, 2,500 is right.");
    }

    #[test]
    fn gmail_date_first_attribution_without_a_verb() {
        let body = "Thursday works.\n\n2026-11-03 9:12 GMT+01:00 Maya Lin <maya@b.io>:\n\n> Which day suits you?\n";
        assert_eq!(visible(body), "Thursday works.");
        // The address can be missing; Gmail's time zone still marks it.
        let body =
            "Thursday works.\n\n2026-11-03 9:12 GMT+01:00 Maya Lin\n\nWhich day suits you?\n";
        assert_eq!(visible(body), "Thursday works.");
        // A dated line of one's own is not an attribution.
        let body = "Thursday works.\n\n2026-11-03 9:12 the call with Maya moved.\nSee you then.";
        assert_eq!(visible(body), body);
    }

    #[test]
    fn wrapped_attribution() {
        let body = "Reply here\n\nOn Mon, Aug 19, 2013 at 2:36 AM, Some One via Meta <\ninfo@discourse.org> wrote:\n\n> quoted\n";
        assert_eq!(visible(body), "Reply here");
    }

    #[test]
    fn iphone_signature_then_quote() {
        let body = "Yes.\n\nSent from my iPhone\n\n> On Nov 3, 2026, at 9:12 AM, Maya <m@b.io> wrote:\n>\n> Hi\n";
        assert_eq!(visible(body), "Yes.");
    }

    #[test]
    fn outlook_block_without_markers() {
        let body = "Thursday works.\n\nThanks,\nAlicia\n\n________________________________\nFrom: Greg <g@m.com>\nSent: Thursday, September 10, 2026 7:45 AM\nTo: Alicia\nSubject: Delivery\n\nWhich day works?\n";
        let z = zone(body);
        assert_eq!(z.visible(), "Thursday works.");
        assert!(
            z.lines
                .last()
                .is_some_and(|l| l.kind == Kind::Quote { depth: 0 })
        );
    }

    #[test]
    fn original_message_separator_and_disclaimer() {
        let body = "The 16th works.\n\nHelen\n\nThis e-mail and any attachments are confidential and intended solely for the addressee. Please notify the sender.\n\n-----Original Message-----\nFrom: Owen\nCould you share the list?\n";
        assert_eq!(visible(body), "The 16th works.");
    }

    #[test]
    fn inline_answers_are_own_text() {
        let body = "Hi Tom,\n\nOn 11/3/2026 9:04 AM, Tom Okafor wrote:\n> - How many attendees?\n\nFourteen, including me.\n\n> - Projector?\n\nI'll bring mine.\n\nCheers,\nPriya\n";
        assert_eq!(
            visible(body),
            "Hi Tom,\n\nFourteen, including me.\n\nI'll bring mine."
        );
    }

    #[test]
    fn forwarded_block() {
        let body = "FYI, see below.\n\n---------- Forwarded message ---------\nFrom: A <a@b.c>\nCan your school host it?\n";
        let z = zone(body);
        assert_eq!(z.visible(), "FYI, see below.");
        assert!(z.lines.iter().any(|l| l.kind == Kind::Forwarded));
    }

    #[test]
    fn python_prompts_are_not_quotes() {
        let body = "Look:\n>>> a = 1\n>>> a.sum()\nIs this a bug?\n";
        let z = zone(body);
        assert!(z.lines.iter().all(|l| l.kind.is_own()));
    }

    #[test]
    fn lost_quote_marker_on_wrapped_first_line() {
        let body = "No, it does not.\n\n And to provide compatibility, there must be a split between the\n> legacy consumer view of the pom?\n\nYes.\n";
        let z = zone(body);
        assert_eq!(z.lines[2].kind, Kind::Quote { depth: 1 });
    }
}
