//! A list of records sent as one row of field names and one array of values per record.
//!
//! Used (`#[serde(with = "crate::packed")]`) for the long lists a page renders and also ships as
//! hydration data: a hundred ranked films repeated their eleven field names a hundred times, and
//! the field names were a third of the bytes. The documented JSON API keeps plain objects.

use serde::de::{DeserializeOwned, Error as _};
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

#[derive(Serialize, Deserialize)]
struct Packed {
    keys: Vec<String>,
    rows: Vec<Vec<Value>>,
}

pub fn serialize<T: Serialize, S: Serializer>(items: &[T], serializer: S) -> Result<S::Ok, S::Error> {
    let mut keys: Option<Vec<String>> = None;
    let mut rows = Vec::with_capacity(items.len());
    for item in items {
        let Value::Object(fields) = serde_json::to_value(item).map_err(S::Error::custom)? else {
            return Err(S::Error::custom("packed records must be structs"));
        };
        match &keys {
            None => keys = Some(fields.keys().cloned().collect()),
            // Every record must name the same fields in the same order (no skipped fields).
            Some(known) if !known.iter().eq(fields.keys()) => {
                return Err(S::Error::custom("packed records must all have the same fields"))
            }
            Some(_) => {}
        }
        rows.push(fields.into_iter().map(|(_, value)| value).collect());
    }
    Packed { keys: keys.unwrap_or_default(), rows }.serialize(serializer)
}

pub fn deserialize<'de, T: DeserializeOwned, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<T>, D::Error> {
    let Packed { keys, rows } = Packed::deserialize(deserializer)?;
    rows.into_iter()
        .map(|values| {
            if values.len() != keys.len() {
                return Err(D::Error::custom("a packed record has the wrong number of values"));
            }
            let fields: Map<String, Value> = keys.iter().cloned().zip(values).collect();
            T::deserialize(Value::Object(fields)).map_err(D::Error::custom)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Film {
        title: String,
        year: Option<i32>,
        voters: Vec<String>,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Page {
        #[serde(with = "crate::packed")]
        films: Vec<Film>,
    }

    fn films() -> Vec<Film> {
        vec![
            Film { title: "Tár \"quoted\"".into(), year: Some(2022), voters: vec!["Ada".into()] },
            Film { title: "Aftersun".into(), year: None, voters: vec![] },
        ]
    }

    #[test]
    fn round_trips_and_names_each_field_once() {
        let page = Page { films: films() };
        let json = serde_json::to_string(&page).unwrap();
        assert_eq!(json.matches("\"title\"").count(), 1, "{json}");
        assert_eq!(serde_json::from_str::<Page>(&json).unwrap(), page);
        let empty = Page { films: vec![] };
        assert_eq!(serde_json::from_str::<Page>(&serde_json::to_string(&empty).unwrap()).unwrap(), empty);
    }

    #[test]
    fn refuses_rows_that_do_not_fit_the_keys() {
        let short = r#"{"films":{"keys":["title","voters","year"],"rows":[["Tár",[]]]}}"#;
        assert!(serde_json::from_str::<Page>(short).is_err());
        let wrong_type = r#"{"films":{"keys":["title","voters","year"],"rows":[[1,[],2020]]}}"#;
        assert!(serde_json::from_str::<Page>(wrong_type).is_err());
    }
}
