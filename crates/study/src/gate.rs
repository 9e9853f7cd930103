//! KPI gates: conditions such as `taxi.wait_s.p90 < 600` that every run of a study must meet.

use crate::{StudyError, Table, fmt_num};

/// A KPI gate such as `taxi.wait_s.p90 < 600`.
#[derive(Clone, Debug, PartialEq)]
pub struct Gate {
    /// As written.
    pub text: String,
    /// KPI name.
    pub kpi: String,
    /// Comparison.
    pub op: String,
    /// Threshold.
    pub value: f64,
}

impl std::str::FromStr for Gate {
    type Err = StudyError;

    fn from_str(text: &str) -> Result<Self, StudyError> {
        let parts: Vec<&str> = text.split_whitespace().collect();
        let [kpi, op, value] = parts.as_slice() else {
            return Err(StudyError::GateSyntax { text: text.to_owned() });
        };
        if !["<", "<=", ">", ">=", "==", "!="].contains(op) {
            return Err(StudyError::GateComparison { text: text.to_owned(), op: (*op).to_owned() });
        }
        let value =
            value.parse().map_err(|_| StudyError::GateNumber { text: text.to_owned(), value: (*value).to_owned() })?;
        Ok(Gate { text: text.to_owned(), kpi: (*kpi).to_owned(), op: (*op).to_owned(), value })
    }
}

impl Gate {
    fn holds(&self, v: f64) -> bool {
        match self.op.as_str() {
            "<" => v < self.value,
            "<=" => v <= self.value,
            ">" => v > self.value,
            ">=" => v >= self.value,
            "==" => v == self.value,
            _ => v != self.value,
        }
    }

    /// The runs that break the gate, as `variant/seed (value)`; an error if the KPI is unknown.
    pub fn breaches(&self, table: &Table) -> Result<Vec<String>, StudyError> {
        let Some(k) = table.kpis.iter().position(|n| *n == self.kpi) else {
            let hint = pilotzone_scenario::error::did_you_mean(&self.kpi, table.kpis.iter().map(String::as_str));
            return Err(StudyError::UnknownKpi { text: self.text.clone(), kpi: self.kpi.clone(), hint });
        };
        Ok(table
            .rows
            .iter()
            .filter(|r| !r.values[k].is_some_and(|v| self.holds(v)))
            .map(|r| format!("{}/{} ({})", r.variant, r.seed, r.values[k].map_or_else(|| "no value".into(), fmt_num)))
            .collect())
    }
}

/// The gates each run must meet: for every gate that some run breaks, a line naming the gate
/// and the runs.
pub fn check_gates(gates: &[Gate], table: &Table) -> Result<Vec<String>, StudyError> {
    let mut broken = Vec::new();
    for gate in gates {
        let breaches = gate.breaches(table)?;
        if !breaches.is_empty() {
            broken.push(format!(
                "gate '{}' failed in {} of {} runs: {}",
                gate.text,
                breaches.len(),
                table.rows.len(),
                breaches.join(", ")
            ));
        }
    }
    Ok(broken)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gates_parse_and_judge() {
        let g: Gate = "safety.collisions == 0".parse().expect("parses");
        assert!(g.holds(0.0) && !g.holds(1.0));
        assert!(matches!("taxi.wait < 3 4".parse::<Gate>(), Err(StudyError::GateSyntax { .. })));
        let err = "taxi.wait ~ 3".parse::<Gate>().expect_err("no such comparison");
        assert!(err.to_string().contains("unknown comparison \"~\""), "{err}");
        let err = "taxi.wait < soon".parse::<Gate>().expect_err("no number");
        assert!(err.to_string().contains("\"soon\" is not a number"), "{err}");
    }
}
