//! Career guidance from jobfit's models and data: what a candidate lacks
//! and how to learn it, what the job market asks for and pays, job
//! descriptions drafted from real sources, augmented training data, and
//! how fair matching is when a protected attribute changes.
//!
//! The key types:
//!
//! - [`GapAnalyzer`]: the skills target jobs ask for and a resume does not
//!   show, ranked by importance (how many targets ask, O*NET's Hot
//!   Technology and In Demand flags, frequency in postings), each with the
//!   candidate's closest skill and its ESCO skill group; [`plan_learning`]
//!   covers them with few courses of a catalog.
//! - [`MarketAnalyzer`]: skill demand, skills asked for together, pay by
//!   skill and region ([`parse_pay`] reads pay as boards write it) and demand
//!   by month over a postings file ([`read_postings`]); [`market_html`]
//!   renders one self-contained page with SVG charts.
//! - [`Drafter`]: an extractive job description, every line citing its
//!   O*NET occupation or posting.
//! - [`Augmenter`]: seeded synonym swaps ([`SynonymTable`]) and section
//!   dropout and reordering for classification and pair data.
//! - [`CounterfactualAudit`]: how scores and ranks move when a name,
//!   pronouns, an age or the years in a resume change.
//!
//! Pay parsing needs no model, so this example runs as is:
//!
//! ```
//! use jobfit_guide::{Currency, PayPeriod, parse_pay};
//!
//! let pay = parse_pay("15-20万/年")?;
//! assert_eq!((pay.low, pay.high), (Some(150_000.0), Some(200_000.0)));
//! assert_eq!((pay.currency, pay.period), (Currency::Cny, PayPeriod::Year));
//! // Per month, for comparing with monthly offers.
//! assert_eq!(pay.per(PayPeriod::Month), 175_000.0 / 12.0);
//! # Ok::<(), jobfit_guide::PayError>(())
//! ```
//!
//! This crate never picks a Burn backend: the embedder carries its device.
#![deny(missing_docs)]

mod augment;
mod charts;
mod counterfactual;
mod courses;
mod dates;
mod draft;
mod error;
mod gaps;
mod lang;
mod market;
mod pay;
mod postings;
mod report;
mod rng;
mod skills;

// Flat re-exports: one line per module, kept sorted.
pub use augment::{
    AugmentKind, AugmentOptions, AugmentReport, Augmented, Augmenter, SynonymSource, SynonymTable,
    SynonymTableBuilder, augment_file, held_out_title,
};
pub use counterfactual::{
    Attribute, AttributeEffect, CHINESE_NAMES, CounterfactualAudit, CounterfactualOptions,
    CounterfactualReport, ENGLISH_NAMES, GroupEffect,
};
pub use courses::{Course, LearningPlan, PlanStep, plan_learning, read_courses};
pub use dates::{DateError, DateReading, NumericOrder, RawDate, YearMonth, read_date, read_dates};
pub use draft::{
    DraftLine, DraftOptions, DraftRequest, DraftSource, Drafter, EXTRACTIVE_NOTICE, JobDraft,
    closest_occupations, occupations_by_skills,
};
pub use error::{GuideError, Result};
pub use gaps::{
    ClosestSkill, GapAnalyzer, GapGroup, GapOptions, GapReport, GapTarget, GroupMatch,
    ImportanceWeights, SkillFrequency, SkillGap, onet_occupation,
};
pub use lang::{Language, bigram_similarity, detect_language, model_knows, model_languages};
pub use market::{
    Breakdown, DateSummary, GroupBy, GroupSummary, MarketAnalyzer, MarketOptions, MarketReport,
    MonthDemand, NamedPay, PayReport, PayStats, SkillDemand, SkillPair, Timeline, region_key,
};
pub use pay::{Currency, Pay, PayError, PayPeriod, parse_pay};
pub use postings::{Posting, PostingColumns, PostingPart, Postings, SkippedRecord, read_postings};
pub use report::{market_charts, market_html};
pub use skills::{EscoGroup, EscoGroups, ResumeSkills, TechnologySkills, posting_skills};
