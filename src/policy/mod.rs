//! Policies: which branches are protected (and, with the Reviews & stops issue, protected
//! surfaces, migrations, licenses, scope, diff size and coverage).

pub mod branches;
pub mod labels;
