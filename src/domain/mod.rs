//! The business rules, pure and synchronous: no I/O, no database, no HTTP. A reader learns the
//! business by reading this folder.

pub mod application;
pub mod award;
pub mod cadre;
pub mod choices;
pub mod contact;
pub mod dates;
pub mod eligibility;
pub mod funding;
pub mod jobs;
pub mod matching;
pub mod money;
pub mod need_score;
pub mod obligation;
pub mod password;
pub mod payment;
pub mod place;
pub mod placement;
pub mod placement_answer;
pub mod placement_state;
pub mod programme;
pub mod progress;
pub mod ranking;
pub mod reassignment;
pub mod review;
pub mod role;
pub mod second_round;
pub mod service_start;
pub mod swaps;

/// Field name → message key, for a form or a JSON body: what is wrong and where.
pub type FieldErrors = std::collections::BTreeMap<String, String>;
