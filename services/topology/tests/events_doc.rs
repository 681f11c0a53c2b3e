//! The catalog table of `services/common/EVENTS.md` says what the catalog says: every event
//! type appears once, with exactly its producers and consumers.

use std::collections::BTreeSet;

use mercato_topology::catalog::CATALOG;

fn names(cell: &str) -> BTreeSet<String> {
    cell.split(',')
        .map(|n| n.trim().trim_matches('`').to_owned())
        .filter(|n| !n.is_empty())
        .collect()
}

#[test]
fn the_events_guide_lists_the_catalog() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../common/EVENTS.md");
    let text = std::fs::read_to_string(path).expect("EVENTS.md is readable");
    let table = text
        .split("| event | producers | consumers |")
        .nth(1)
        .expect("the catalog table");
    let mut documented = BTreeSet::new();
    for row in table.lines().skip(2).take_while(|l| l.starts_with('|')) {
        let cells: Vec<&str> = row.trim_matches('|').split('|').collect();
        assert_eq!(cells.len(), 3, "{row}");
        for event_type in names(cells[0]) {
            let entry = CATALOG
                .iter()
                .find(|e| e.event_type == event_type)
                .unwrap_or_else(|| panic!("{event_type} is documented but not in the catalog"));
            let owned = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect();
            assert_eq!(
                names(cells[1]),
                owned(entry.producers),
                "producers of {event_type}"
            );
            assert_eq!(
                names(cells[2]),
                owned(entry.consumers),
                "consumers of {event_type}"
            );
            assert!(documented.insert(event_type.clone()), "{event_type} twice");
        }
    }
    let catalog: BTreeSet<String> = CATALOG.iter().map(|e| e.event_type.to_owned()).collect();
    assert_eq!(documented, catalog, "every catalog type is documented");
}
