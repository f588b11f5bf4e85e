//! Any bytes, as a sent message and as replies to it: parsing and judging must not panic.
//! Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run parse_and_judge` (see README, "Fuzzing").
#![no_main]

use libfuzzer_sys::fuzz_target;
use nudger::analysis;
use nudger::message::Message;

fuzz_target!(|data: &[u8]| {
    // The first part is the sent message, the rest the replies, split where the input
    // says so; one input thus exercises extraction, zoning and judging together.
    let mut parts = data.split(|b| *b == 0);
    let Some(sent) = parts.next().and_then(|raw| Message::parse(raw).ok()) else {
        return;
    };
    let replies: Vec<Message> = parts.filter_map(|raw| Message::parse(raw).ok()).collect();
    let refs: Vec<&Message> = replies.iter().collect();
    let result = analysis::analyze(&sent, &refs);
    assert_eq!(result.replies.len(), refs.len());
    assert_eq!(result.needs_nudge, result.asks.iter().any(|a| a.status.is_open()));
});
