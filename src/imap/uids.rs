//! UID sets: compact IMAP sequence-set strings, cut into chunks a server accepts.

/// A chunk of UIDs: the set string to send and the UIDs it stands for, so answers can be
/// checked against what was asked (rule 5: servers return messages nobody asked for).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UidChunk {
    pub set: String,
    pub uids: Vec<u32>,
}

impl UidChunk {
    pub fn contains(&self, uid: u32) -> bool {
        self.uids.binary_search(&uid).is_ok()
    }
}

/// Splits `uids` (any order, duplicates allowed) into chunks of at most `max_uids` UIDs,
/// each written as ranges ("1:5,9,12:14").
pub fn chunks(uids: &[u32], max_uids: usize) -> Vec<UidChunk> {
    let mut sorted: Vec<u32> = uids.iter().copied().filter(|&u| u > 0).collect();
    sorted.sort_unstable();
    sorted.dedup();
    sorted
        .chunks(max_uids.max(1))
        .map(|part| UidChunk {
            set: to_set(part),
            uids: part.to_vec(),
        })
        .collect()
}

/// Sorted, deduplicated UIDs as a sequence set.
fn to_set(sorted: &[u32]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_compressed() {
        let c = chunks(&[5, 1, 2, 3, 9, 12, 13, 14, 3], 100);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].set, "1:3,5,9,12:14");
        assert_eq!(c[0].uids, vec![1, 2, 3, 5, 9, 12, 13, 14]);
        assert!(c[0].contains(13) && !c[0].contains(4));
    }

    #[test]
    fn chunked_by_count() {
        let uids: Vec<u32> = (1..=2500).collect();
        let c = chunks(&uids, 1000);
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].set, "1:1000");
        assert_eq!(c[2].set, "2001:2500");
        assert!(chunks(&[], 10).is_empty());
        assert!(chunks(&[0], 10).is_empty(), "UID 0 does not exist");
    }
}
