//! Figures of the funder's list that cost a pass over an organisation's applications (the total of a
//! filter, the county choices, where a page asked for by number starts), kept until the next change to
//! any application. The key includes the newest `updated_at`, read from an index, so a cached figure is
//! never stale, even across servers.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::NaiveDateTime;

use crate::error::AppError;

#[derive(Debug, Clone)]
pub enum ListFigure {
    Total(i64),
    /// The id of the first row of a page asked for by number; `None` past the last page.
    PageStart(Option<i64>),
}

/// Bounded so that many distinct searches cannot grow it without limit.
const MAX_ENTRIES: usize = 10_000;

#[derive(Default)]
pub struct ListCache {
    entries: Mutex<HashMap<String, (Option<NaiveDateTime>, ListFigure)>>,
}

impl ListCache {
    pub fn get_or_compute(
        &self,
        key: &str,
        generation: Option<NaiveDateTime>,
        compute: impl FnOnce() -> Result<ListFigure, AppError>,
    ) -> Result<ListFigure, AppError> {
        if let Ok(entries) = self.entries.lock() {
            if let Some((g, figure)) = entries.get(key) {
                if *g == generation {
                    return Ok(figure.clone());
                }
            }
        }
        let figure = compute()?;
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.retain(|_, (g, _)| *g == generation);
                if entries.len() >= MAX_ENTRIES {
                    entries.clear();
                }
            }
            entries.insert(key.to_string(), (generation, figure.clone()));
        }
        Ok(figure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_figure_is_reused_until_the_generation_changes() {
        let cache = ListCache::default();
        let t1 = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
        let t2 = chrono::NaiveDate::from_ymd_opt(2026, 1, 2).and_then(|d| d.and_hms_opt(0, 0, 0));
        let mut computed = 0;
        for _ in 0..3 {
            cache
                .get_or_compute("k", t1, || {
                    computed += 1;
                    Ok(ListFigure::Total(5))
                })
                .expect("figure");
        }
        assert_eq!(computed, 1);
        let fresh = cache.get_or_compute("k", t2, || Ok(ListFigure::Total(6))).expect("figure");
        assert!(matches!(fresh, ListFigure::Total(6)));
    }
}
