//! Pure model of a milestone: the plan, the issue specs, the in-place editor and the quality gate.
//!
//! Nothing in here touches git or the network; file access is limited to reading the milestone
//! folder and the editor's atomic write.

pub mod edit;
pub mod gate;
pub mod load;
pub mod model;
pub mod parse;
pub mod spec;
pub mod text;

pub use load::{Milestone, load_milestone};
pub use model::{Issue, IssueNo, Phase, Plan, Status};
pub use spec::{Spec, Task};
