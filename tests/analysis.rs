//! The analysis engine through its public API, on real-looking threads from the mail
//! clients people use (tests/fixtures/analysis/<thread>/). The expected verdicts are what
//! a careful reader of each thread would say.

mod threads;

use jiff::civil::Date;
use nudger::analysis::{self, Analysis, Status::*};
use nudger::message::Message;
use threads::{
    ask, expect_asks, expect_evidence, expect_found, expect_nudge, expect_status, expect_visible,
    load,
};

#[test]
fn motivating_one_line_iphone_reply_answers_one_of_four() {
    let t = load("motivating");
    let a = t.analyze();
    expect_asks(
        &a,
        &[
            ("quantity is 2,500 copies", Answered),
            ("120gsm matte or the 150gsm silk", Unanswered),
            ("final logo files as vector", Unanswered),
            ("receive the delivery", Unanswered),
        ],
    );
    expect_nudge(&a, true);
    expect_evidence(&a, "2,500 copies", "Yes, 2,500 is right.");
    assert_eq!(a.replies.len(), 1);
    assert_eq!(a.replies[0].from, "dana.reyes@harborline.example");
    assert!(!a.replies[0].auto_reply);
    // Neither "Sent from my iPhone" nor the quoted message below it.
    assert_eq!(a.replies[0].visible, "Yes, 2,500 is right.");
}

#[test]
fn inline_answers_under_quotes_in_flowed_text_answer_all() {
    let t = load("inline_flowed");
    let a = t.analyze();
    expect_asks(
        &a,
        &[
            ("old mail server offline on Saturday", Answered),
            ("shared calendar archive", Answered),
            ("How many staff accounts", Answered),
            ("list of distribution groups", Answered),
        ],
    );
    expect_nudge(&a, false);
    // Each answer is the text written under its quoted question.
    expect_evidence(&a, "offline on Saturday", "Yes, 08:00 is fine");
    expect_evidence(&a, "calendar archive", "Delete it");
    expect_evidence(&a, "staff accounts", "34 for now");
    expect_evidence(&a, "distribution groups", "Only sales@");
    expect_visible(
        &a.replies[0],
        &[
            "Yes, 08:00 is fine. Nobody is in the office on Saturdays, and four hours without webmail is no problem.",
            "Delete it – we exported what we needed last month.",
            "34 for now, plus two for the interns",
            "Only sales@, support@ and all-staff@",
        ],
        &[
            "Can we take the old mail server",
            "How many staff accounts",
            "Jonas Weber wrote",
            "Operations Manager",
            "+44 20 7946 0018",
        ],
    );
}

#[test]
fn outlook_top_posted_reply_without_quote_marks_answers_some_in_prose() {
    let t = load("outlook_toppost");
    let a = t.analyze();
    expect_found(
        &a,
        &[
            "how many vehicles are in the fleet",
            "changed with the named drivers",
            "When does the current policy expire",
            "claims history for the last three years",
        ],
    );
    expect_status(&a, "how many vehicles", Answered);
    expect_evidence(&a, "how many vehicles", "We have 18 vans now");
    // The claims history: see analysis_pending.rs.
    expect_status(&a, "named drivers", Unanswered);
    expect_status(&a, "policy expire", Answered);
    expect_evidence(&a, "policy expire", "runs out on 31 January");
    expect_nudge(&a, true);
    expect_visible(
        &a.replies[0],
        &["We have 18 vans now", "runs out on 31 January"],
        &[
            "From: Sam Okafor",
            "Subject: Fleet insurance renewal",
            "how many vehicles are in the fleet",
            "Fleet Manager",
            "+353 1 555 0142",
        ],
    );
}

#[test]
fn original_message_separator_and_legal_disclaimer() {
    let t = load("original_message");
    let a = t.analyze();
    expect_asks(
        &a,
        &[
            ("defined terms stay in English", Answered),
            ("deadline for the complete translation", Answered),
        ],
    );
    expect_nudge(&a, false);
    expect_evidence(&a, "defined terms", "keep the defined terms in English");
    expect_evidence(&a, "deadline", "by Friday 20 November");
    expect_visible(
        &a.replies[0],
        &[
            "Please keep the defined terms in English",
            "by Friday 20 November at the latest",
        ],
        &[
            "confidential",
            "intended recipient",
            "registered in England",
            "Original Message",
            "Two questions before I continue",
        ],
    );
}

#[test]
fn gmail_german_attribution() {
    let t = load("gmail_german");
    let a = t.analyze();
    // How the three questions are split and judged: see analysis_pending.rs.
    expect_nudge(&a, false);
    expect_visible(
        &a.replies[0],
        &[
            "the flat is free from 1 December",
            "Pets are fine",
            "Saturday at 11:00",
        ],
        &[
            "schrieb",
            "Are pets allowed",
            "thanks for sending the photos",
        ],
    );
}

#[test]
fn gmail_french_attribution_two_of_three_answered() {
    let t = load("gmail_french");
    let a = t.analyze();
    expect_asks(
        &a,
        &[
            ("hold the small conference room", Answered),
            ("day rate include coffee and lunch", Answered),
            ("details you need from us for the invoice", Unanswered),
        ],
    );
    expect_nudge(&a, true);
    expect_evidence(&a, "conference room", "reserved for you on the 19th");
    expect_evidence(&a, "coffee and lunch", "lunch is 24 € per person extra");
    // The signature's company line: see analysis_pending.rs.
    expect_visible(
        &a.replies[0],
        &[
            "The small room is reserved for you on the 19th",
            "lunch is 24 € per person extra",
        ],
        &[
            "a écrit",
            "Does the day rate include",
            "Thank you for showing us",
        ],
    );
}

#[test]
fn gmail_spanish_attribution_wrapped_before_the_verb() {
    let t = load("gmail_spanish");
    let a = t.analyze();
    expect_asks(
        &a,
        &[
            ("shoot starts at 9:00 on Saturday", Answered),
            ("How many people will be in the big group photo", Answered),
        ],
    );
    expect_nudge(&a, false);
    expect_evidence(&a, "shoot starts", "we start at 9:00 sharp");
    expect_evidence(&a, "group photo", "about 40 people");
    expect_visible(
        &a.replies[0],
        &["Sí, we start at 9:00 sharp", "about 40 people"],
        &["escribió", "tom@beckerphoto.example", "Two last things"],
    );
}

#[test]
fn apple_mail_bottom_posted_reply() {
    let t = load("apple_bottom");
    let a = t.analyze();
    expect_asks(
        &a,
        &[
            ("exact dimensions of the shop window", Answered),
            ("What time does the shop close on Thursdays", Answered),
        ],
    );
    expect_nudge(&a, false);
    expect_evidence(&a, "dimensions", "2.4 m wide and 1.9 m high");
    expect_evidence(&a, "close on Thursdays", "We close at 19:00");
    expect_visible(
        &a.replies[0],
        &[
            "The window is 2.4 m wide and 1.9 m high",
            "We close at 19:00 on Thursdays",
        ],
        &["wrote:", "For the window lettering I need"],
    );
}

#[test]
fn deferral_naming_a_day_points_at_that_friday() {
    let t = load("deferral");
    let a = t.analyze();
    expect_asks(
        &a,
        &[
            ("What budget do you have", Deferred),
            ("who will sign off the final designs", Answered),
        ],
    );
    // A deferral is still open: the nudge comes when the day has passed.
    expect_nudge(&a, true);
    // Written on Tuesday 10 November: "by Friday" is Friday 13 November.
    assert_eq!(
        ask(&a, "budget").deferred_until,
        Some(Date::constant(2026, 11, 13))
    );
    expect_evidence(&a, "budget", "I'll get back to you on the budget by Friday");
    expect_evidence(&a, "sign off", "Karin Holm");
    expect_visible(
        &a.replies[0],
        &["Karin Holm", "I'll get back to you on the budget by Friday"],
        &["wrote:", "Before I start on the spring campaign"],
    );
}

#[test]
fn out_of_office_is_not_a_reply_and_the_later_answer_counts() {
    let t = load("ooo");
    assert!(analysis::is_auto_reply(&t.replies[0]));
    assert!(!analysis::is_auto_reply(&t.replies[1]));

    let only_ooo = t.analyze_first(1);
    expect_asks(
        &only_ooo,
        &[
            ("How many hotel rooms", Unanswered),
            ("bringing its own technician", Unanswered),
        ],
    );
    expect_nudge(&only_ooo, true);
    assert!(only_ooo.replies[0].auto_reply);

    let a = t.analyze();
    expect_asks(
        &a,
        &[
            ("How many hotel rooms", Answered),
            ("bringing its own technician", Answered),
        ],
    );
    expect_nudge(&a, false);
    expect_evidence(&a, "hotel rooms", "Please block 14 rooms");
    expect_evidence(&a, "technician", "We'll use the venue's technician");
    assert_eq!(
        a.replies.iter().map(|r| r.auto_reply).collect::<Vec<_>>(),
        [true, false]
    );
    expect_visible(
        &a.replies[1],
        &["Please block 14 rooms", "We'll use the venue's technician"],
        &["Head of Medical Affairs", "+49 40 5550 2200", "From: Ruth"],
    );
}

#[test]
fn acknowledgement_answers_nothing() {
    let t = load("ack_only");
    let a = t.analyze();
    assert_eq!(a.asks.len(), 2, "{:#?}", a.asks);
    for fragment in ["check the prices", "allergen symbols"] {
        let found = ask(&a, fragment);
        assert_ne!(found.status, Answered, "{found:#?}");
        assert!(!found.evidence.trim().is_empty());
    }
    expect_nudge(&a, true);
    assert_eq!(a.replies[0].visible, "Thanks, will look at this.");
}

#[test]
fn refusal_is_an_answer() {
    let t = load("refusal");
    let a = t.analyze();
    // Whether the "If not, which other dates" question stays open: see
    // analysis_pending.rs.
    expect_status(&a, "move the workshop to Monday the 14th", Answered);
    expect_evidence(&a, "the 14th", "No, sorry, we can't do the 14th");
    expect_visible(
        &a.replies[0],
        &["No, sorry, we can't do the 14th"],
        &["wrote:", "Our trainer has a clash"],
    );
}

#[test]
fn attachment_answers_send_me_the_signed_contract() {
    let t = load("attachment");
    let names: Vec<_> = t.replies[0]
        .attachments
        .iter()
        .filter_map(|a| a.name.as_deref())
        .collect();
    assert_eq!(names, ["Lindqvist_Reilly_service_agreement_signed.pdf"]);
    let a = t.analyze();
    expect_asks(
        &a,
        &[
            ("send me the signed contract", Answered),
            ("PO number for the first invoice", Unanswered),
        ],
    );
    expect_nudge(&a, true);
    expect_evidence(&a, "signed contract", "signed copy attached");
    expect_visible(
        &a.replies[0],
        &["signed copy attached"],
        &["wrote:", "book the install dates"],
    );
}

#[test]
fn thank_you_with_generic_closing_asks_nothing() {
    let t = load("no_asks");
    let a = t.analyze_first(0);
    expect_asks(&a, &[]);
    expect_nudge(&a, false);
    let a = t.analyze();
    expect_asks(&a, &[]);
    expect_nudge(&a, false);
    expect_visible(&a.replies[0], &["Thanks Maya, great session!"], &[]);
}

#[test]
fn sent_reply_counts_only_its_own_new_asks() {
    let t = load("sent_is_reply");
    let none = t.analyze_first(0);
    expect_asks(
        &none,
        &[
            ("who signs off the design", Unanswered),
            ("do you already have hosting", Unanswered),
        ],
    );
    expect_nudge(&none, true);
    // Pete's own questions, quoted below, are not the user's asks.
    let own = analysis::zone(&t.sent.body).visible();
    assert!(!own.contains("How long would it take"), "{own}");

    let a = t.analyze();
    expect_asks(
        &a,
        &[
            ("who signs off the design", Answered),
            ("do you already have hosting", Answered),
        ],
    );
    expect_nudge(&a, false);
    expect_evidence(&a, "signs off", "Sign-off is me");
    expect_evidence(&a, "hosting", "hosting through our IT guy");
    expect_visible(
        &a.replies[0],
        &["Sign-off is me", "hosting through our IT guy"],
        &["wrote:", "4,800 EUR", "Can you send us a quote"],
    );
}

#[test]
fn html_only_outlook_list_and_html_only_reply() {
    let t = load("html_outlook");
    assert!(t.sent.body_from_html && t.replies[0].body_from_html);
    let a = t.analyze();
    expect_asks(
        &a,
        &[
            ("vegetarian main for about a third", Answered),
            ("staff need access to the kitchen", Unanswered),
            ("price per head includes the waiting staff", Answered),
        ],
    );
    expect_nudge(&a, true);
    expect_evidence(
        &a,
        "vegetarian",
        "vegetarian main for 30 guests is no problem",
    );
    expect_evidence(&a, "waiting staff", "includes four waiters");
    expect_visible(
        &a.replies[0],
        &[
            "a vegetarian main for 30 guests is no problem",
            "includes four waiters",
        ],
        &[
            "From: Ruth Mensah",
            "Three things before we sign",
            "font-family",
            "MsoNormal",
        ],
    );
}

#[test]
fn latin1_quoted_printable_sent_and_base64_reply() {
    let t = load("latin1");
    assert_eq!(t.sent.subject, "Müller account and René's number");
    assert_eq!(
        t.replies[0].from.as_ref().and_then(|a| a.name.as_deref()),
        Some("Søren Bækgaard")
    );
    let a = t.analyze();
    expect_asks(
        &a,
        &[
            ("ask Jürgen whether the Müller account is closed", Answered),
            ("send me René's new phone number", Answered),
        ],
    );
    expect_nudge(&a, false);
    expect_evidence(
        &a,
        "Müller account",
        "Jürgen says the Müller account was closed",
    );
    expect_evidence(&a, "phone number", "+45 31 22 40 18");
    expect_visible(
        &a.replies[0],
        &[
            "Jürgen says the Müller account was closed on 30 October",
            "René's new number is +45 31 22 40 18",
        ],
        &["From: François", "Two quick things", "Could you ask Jürgen"],
    );
}

#[test]
fn two_recipients_together_answer_everything() {
    let t = load("two_recipients");
    let first = t.analyze_first(1);
    expect_asks(
        &first,
        &[
            ("launch date is still 1 December", Answered),
            ("passed the store review", Unanswered),
            ("how many beta testers", Answered),
        ],
    );
    expect_nudge(&first, true);

    let a = t.analyze();
    expect_asks(
        &a,
        &[
            ("launch date is still 1 December", Answered),
            ("passed the store review", Answered),
            ("how many beta testers", Answered),
        ],
    );
    expect_nudge(&a, false);
    expect_evidence(&a, "launch date", "Launch is still 1 December");
    expect_evidence(&a, "store review", "Apple approved it last night");
    expect_evidence(&a, "beta testers", "212 beta testers");
    assert_eq!(
        a.replies
            .iter()
            .map(|r| r.from.as_str())
            .collect::<Vec<_>>(),
        [
            "olivia@tidewater-apps.example",
            "ben@tidewater-apps.example"
        ]
    );
    expect_visible(
        &a.replies[1],
        &["Yes, Apple approved it last night"],
        &["wrote:", "quick status check"],
    );
}

#[test]
fn reply_without_threading_headers_is_judged_all_the_same() {
    let t = load("no_threading_headers");
    let reply = &t.replies[0];
    assert!(reply.in_reply_to.is_empty() && reply.references.is_empty());
    assert_eq!(reply.subject, "Re: Kitchen measurements");
    let a = t.analyze();
    expect_asks(&a, &[("When could you come round", Answered)]);
    expect_evidence(&a, "come round", "Thursday at 4pm");
    expect_nudge(&a, false);
    expect_visible(
        &a.replies[0],
        &["I can come Thursday at 4pm"],
        &["Kowalski Kitchens Ltd", "07700 900461"],
    );
}

#[test]
fn threading_headers_link_each_reply_to_its_sent_message() {
    for name in threads::ALL {
        let t = load(name);
        let sent_id = t.sent.message_id.as_deref().expect("sent has a Message-ID");
        for (i, reply) in t.replies.iter().enumerate() {
            assert!(reply.message_id.is_some(), "{name} reply {}", i + 1);
            if name != &"no_threading_headers" {
                assert!(
                    reply.parent_ids().any(|id| id == sent_id),
                    "{name} reply {} does not point at {sent_id}",
                    i + 1
                );
            }
        }
    }
}

#[test]
fn only_the_out_of_office_notice_is_automatic() {
    for name in threads::ALL {
        let t = load(name);
        assert!(!analysis::is_auto_reply(&t.sent), "{name} sent");
        for (i, reply) in t.replies.iter().enumerate() {
            let expected = name == &"ooo" && i == 0;
            assert_eq!(
                analysis::is_auto_reply(reply),
                expected,
                "{name} reply {}",
                i + 1
            );
        }
    }
}

/// The daemon judges replies one at a time as they arrive, keeping only `Tracked`
/// between them; that must come out the same as judging them all at once.
#[test]
fn judging_replies_one_at_a_time_matches_analyze() {
    for name in threads::ALL {
        let t = load(name);
        let whole = t.analyze();
        let mut tracked = analysis::track(&t.sent);
        let views: Vec<_> = t.replies.iter().map(|r| tracked.judge(r)).collect();
        assert_eq!(tracked.asks, whole.asks, "{name}");
        assert_eq!(views, whole.replies, "{name}");
        assert_eq!(tracked.needs_nudge(), whole.needs_nudge, "{name}");
    }
}

/// Between replies the daemon keeps `Tracked` in its store: a round trip through
/// serialization must not change the verdicts the next reply builds on.
#[test]
fn tracked_survives_the_store_between_replies() {
    for name in ["two_recipients", "ooo"] {
        let t = load(name);
        let whole = t.analyze();
        let mut tracked = analysis::track(&t.sent);
        tracked.judge(&t.replies[0]);
        let stored = serde_json::to_string(&tracked).unwrap();
        let mut tracked: analysis::Tracked = serde_json::from_str(&stored).unwrap();
        tracked.judge(&t.replies[1]);
        assert_eq!(tracked.asks, whole.asks, "{name}");
        assert_eq!(tracked.needs_nudge(), whole.needs_nudge, "{name}");
    }
}

/// A reply judged twice (the daemon re-syncing after a crash) changes nothing.
#[test]
fn judging_the_same_reply_twice_changes_nothing() {
    for name in threads::ALL {
        let t = load(name);
        let whole = t.analyze();
        let mut tracked = analysis::track(&t.sent);
        for reply in t.replies.iter().chain(&t.replies) {
            tracked.judge(reply);
        }
        assert_eq!(tracked.asks, whole.asks, "{name}");
    }
}

#[test]
fn deferral_written_late_in_the_evening() {
    let t = load("deferral_late_evening");
    let a = t.analyze();
    expect_asks(&a, &[("updated floor plan", Deferred)]);
    expect_nudge(&a, true);
    expect_evidence(&a, "floor plan", "by Friday");
    // The day it points at: see analysis_pending.rs.
    assert!(ask(&a, "floor plan").deferred_until.is_some());
}

// Malformed and extreme input: no panic, and either a clean error or a sane result.

fn malformed(name: &str) -> Vec<u8> {
    let path = threads::fixtures().join("malformed").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Analyzing `msg` as a sent message and as a reply must not panic; returns its own
/// analysis as a sent message with no reply yet.
fn analyze_both_ways(msg: &Message) -> Analysis {
    let other = load("motivating");
    analysis::analyze(&other.sent, &[msg]);
    analysis::analyze(msg, &other.reply_refs());
    analysis::analyze(msg, &[])
}

#[test]
fn empty_file_is_an_error() {
    let err = Message::parse(&malformed("empty.eml")).unwrap_err();
    assert!(!err.to_string().is_empty());
}

#[test]
fn text_without_headers_is_an_error_or_kept_as_text() {
    match Message::parse(&malformed("no_headers.eml")) {
        Err(err) => assert!(err.to_string().contains("header"), "{err}"),
        Ok(msg) => {
            assert!(msg.body.contains("send me the report"), "{msg:#?}");
            analyze_both_ways(&msg);
        }
    }
}

#[test]
fn binary_garbage_does_not_panic() {
    if let Ok(msg) = Message::parse(&malformed("binary_garbage.eml")) {
        analyze_both_ways(&msg);
    }
}

#[test]
fn truncated_mime_keeps_the_text_part() {
    let msg = Message::parse(&malformed("truncated_mime.eml")).unwrap();
    assert_eq!(msg.subject, "Site plans");
    assert!(
        msg.body
            .contains("Could you confirm you can open the DWG files?")
    );
    let a = analyze_both_ways(&msg);
    expect_asks(&a, &[("open the DWG files", Unanswered)]);
}

#[test]
fn wrong_charset_label_keeps_the_readable_text() {
    // Says UTF-8, is Latin-1: the accented letters are lost, the rest must not be.
    let msg = Message::parse(&malformed("wrong_charset.eml")).unwrap();
    assert!(msg.body.contains("Hallo Frau Lindqvist"), "{:?}", msg.body);
    let a = analyze_both_ways(&msg);
    assert_eq!(a.asks.len(), 2, "{:#?}", a.asks);
    ask(&a, "das Angebot bis Freitag");
    ask(&a, "send the price for the Stra");
}

#[test]
fn huge_single_line_body() {
    let mut raw = b"From: Ines Duarte <ines@duarte-arq.example>\r\n\
To: Maya Lindqvist <maya@lindqvist.example>\r\n\
Subject: Inventory\r\n\
Date: Tue, 3 Nov 2026 12:00:34 +0100\r\n\
Message-ID: <huge@duarte-arq.example>\r\n\
Content-Type: text/plain; charset=utf-8\r\n\r\n"
        .to_vec();
    while raw.len() < 2_000_000 {
        raw.extend_from_slice(b"The pallets in bay 4 were counted twice. ");
    }
    raw.extend_from_slice(b"Could you confirm the final count?\r\n");
    let msg = Message::parse(&raw).unwrap();
    let a = analyze_both_ways(&msg);
    expect_asks(&a, &[("confirm the final count", Unanswered)]);
}

/// `depth` multipart/mixed levels around one text part.
fn nested(depth: usize) -> String {
    let mut raw = String::from(
        "From: a@b.example\r\nSubject: nested\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n",
    );
    for i in 0..depth {
        raw.push_str(&format!(
            "--b{i}\r\nContent-Type: multipart/mixed; boundary=\"b{}\"\r\n\r\n",
            i + 1
        ));
    }
    raw.push_str(&format!(
        "--b{depth}\r\nContent-Type: text/plain\r\n\r\nCan you sign the form?\r\n--b{depth}--\r\n"
    ));
    for i in (0..depth).rev() {
        raw.push_str(&format!("--b{i}--\r\n"));
    }
    raw
}

#[test]
fn nested_multiparts_keep_their_text() {
    // Deeper than any mail client nests (forwarded mail inside signed mail inside ...).
    let msg = Message::parse(nested(40).as_bytes()).unwrap();
    let a = analyze_both_ways(&msg);
    expect_asks(&a, &[("Can you sign the form?", Unanswered)]);
}

#[test]
fn deeply_nested_multiparts() {
    // A sane result: parsed (the text found or not) or refused; never a crash.
    if let Ok(msg) = Message::parse(nested(5_000).as_bytes()) {
        assert_eq!(msg.subject, "nested");
        analyze_both_ways(&msg);
    }
}

// Cases the engine once got wrong; each doc comment says what it did then.
/// Engine: judged the claims-history request answered, with "I'll ask our finance team
/// for the claims history, it may take a few days" as evidence. That is a promise to get
/// it, not the file: deferred.
#[test]

fn outlook_toppost_claims_history_is_deferred() {
    let a = load("outlook_toppost").analyze();
    expect_status(&a, "claims history", Deferred);
    expect_evidence(&a, "claims history", "I'll ask our finance team");
}

/// Engine: merged "Is it still available from 1 December?" and "Are pets allowed?" (two
/// lines, two questions) into one ask, and gave "Pets are fine, ..." as the evidence for
/// "When could we come and see it?", which "You can see it on Saturday at 11:00" answers.
#[test]

fn gmail_german_three_questions_three_answers() {
    let a = load("gmail_german").analyze();
    expect_asks(
        &a,
        &[
            ("available from 1 December", Answered),
            ("Are pets allowed", Answered),
            ("When could we come and see it", Answered),
        ],
    );
    expect_evidence(&a, "available", "the flat is free from 1 December");
    expect_evidence(&a, "pets", "Pets are fine");
    expect_evidence(&a, "come and see it", "Saturday at 11:00");
}

/// Engine: kept "Claire Dubois / Château Lavande – Séminaires & réceptions" (name and
/// company under "Bien cordialement,") in the visible text: that is her signature.
#[test]

fn gmail_french_signature_is_not_visible() {
    let a = load("gmail_french").analyze();
    expect_visible(
        &a.replies[0],
        &["reserved for you"],
        &["Séminaires & réceptions"],
    );
}

/// Engine: one ask "Could we move the workshop to Monday the 14th of December? If not,
/// which other dates in December would work for your team?", answered by the refusal, and
/// no nudge. The refusal is exactly the case the second question was for, and it went
/// unanswered: Sam still needs other dates.
#[test]

fn refusal_leaves_the_if_not_question_open() {
    let a = load("refusal").analyze();
    expect_asks(
        &a,
        &[
            ("move the workshop to Monday the 14th", Answered),
            ("which other dates in December", Unanswered),
        ],
    );
    expect_nudge(&a, true);
}

/// Engine: 2026-11-20. The reply was written on Thursday 12 November at 21:40 -0800; the
/// engine counts from the UTC date (already Friday 13th), so "by Friday" became a week
/// later. The writer's own day is in the Date header's offset.
#[test]

fn deferral_late_evening_points_at_the_next_day() {
    let a = load("deferral_late_evening").analyze();
    assert_eq!(
        ask(&a, "floor plan").deferred_until,
        Some(Date::constant(2026, 11, 13))
    );
}

/// Engine (message parsing): a body labelled UTF-8 but written in Latin-1 by an old
/// client comes out with U+FFFD for every accented letter ("k\u{fffd}nnen Sie mir das
/// Angebot ..."); text that is not valid UTF-8 reads as intended when decoded as
/// Latin-1 (Windows-1252) instead, as mail clients do.
#[test]

fn wrong_charset_label_reads_as_latin1() {
    let path = threads::fixtures().join("malformed/wrong_charset.eml");
    let msg = Message::parse(&std::fs::read(path).unwrap()).unwrap();
    assert!(
        msg.body.contains("können Sie mir das Angebot"),
        "{:?}",
        msg.body
    );
    let a = analysis::analyze(&msg, &[]);
    ask(&a, "können Sie mir das Angebot bis Freitag schicken?");
    ask(&a, "send the price for the Straßenschild?");
}
