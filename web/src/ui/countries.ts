// The countries the sign-up form offers, as ISO 3166-1 alpha-2 codes (what the API stores).
export const COUNTRIES: [string, string][] = [
  ["AR", "Argentina"], ["AU", "Australia"], ["AT", "Austria"], ["BE", "Belgium"], ["BR", "Brazil"],
  ["BG", "Bulgaria"], ["CA", "Canada"], ["CL", "Chile"], ["CN", "China"], ["CO", "Colombia"],
  ["HR", "Croatia"], ["CZ", "Czechia"], ["DK", "Denmark"], ["EG", "Egypt"], ["EE", "Estonia"],
  ["FI", "Finland"], ["FR", "France"], ["DE", "Germany"], ["GH", "Ghana"], ["GR", "Greece"],
  ["HU", "Hungary"], ["IN", "India"], ["ID", "Indonesia"], ["IE", "Ireland"], ["IL", "Israel"],
  ["IT", "Italy"], ["JP", "Japan"], ["KE", "Kenya"], ["KR", "Korea"], ["LV", "Latvia"],
  ["LT", "Lithuania"], ["MY", "Malaysia"], ["MX", "Mexico"], ["MA", "Morocco"], ["NL", "Netherlands"],
  ["NZ", "New Zealand"], ["NG", "Nigeria"], ["NO", "Norway"], ["PK", "Pakistan"], ["PE", "Peru"],
  ["PH", "Philippines"], ["PL", "Poland"], ["PT", "Portugal"], ["RO", "Romania"], ["RS", "Serbia"],
  ["SG", "Singapore"], ["SK", "Slovakia"], ["SI", "Slovenia"], ["ZA", "South Africa"], ["ES", "Spain"],
  ["SE", "Sweden"], ["CH", "Switzerland"], ["TW", "Taiwan"], ["TH", "Thailand"], ["TR", "Türkiye"],
  ["UA", "Ukraine"], ["AE", "United Arab Emirates"], ["GB", "United Kingdom"], ["US", "United States"],
  ["UY", "Uruguay"], ["VN", "Viet Nam"],
];
