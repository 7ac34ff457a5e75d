// Realistic Vietnamese Patients for the HTTP benchmark: citizen ID (CCCD), BHYT card, name, phone, address.
// The same bodies go to both servers.

/** The citizen identity card system (căn cước công dân), searched by the benchmark. */
export const CITIZEN_ID = 'http://fhir.ehealth.gov.vn/core/sid/citizen_id';
const INSURANCE = 'http://fhir.ehealth.gov.vn/core/sid/insurance_number';

const FAMILIES = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Phan', 'Vũ', 'Võ', 'Đặng', 'Bùi', 'Đỗ'];
const MIDDLE = ['Văn', 'Thị', 'Minh', 'Thu', 'Quốc', 'Ngọc', 'Đức', 'Thanh'];
const GIVEN = ['An', 'Bình', 'Cường', 'Dung', 'Giang', 'Hà', 'Hải', 'Hoa', 'Hùng', 'Lan', 'Linh', 'Nam', 'Phúc'];
const COMMUNES = ['Xã Tân Minh', 'Thị trấn Thường Tín', 'Xã Hà Hồi', 'Xã Văn Bình', 'Xã Nhị Khê'];
const CARD_PREFIXES = ['HT3', 'DN4', 'TE1', 'GD4', 'HN2'];

const pick = <T>(list: readonly T[], i: number): T => list[i % list.length] as T;

/** The 12-digit citizen ID of patient `i`: province 001 (Hà Nội), then a serial. */
export const citizenIdOf = (i: number): string => `001${String(80_000_000 + i).padStart(9, '0')}`;

/** Patient number `i` as FHIR JSON (about 900 bytes). */
export function patientOf(i: number) {
  const female = i % 2 === 1;
  const family = pick(FAMILIES, i * 7);
  const given = [female ? 'Thị' : pick(MIDDLE, i * 5), pick(GIVEN, i * 13)];
  return {
    resourceType: 'Patient' as const,
    active: true,
    identifier: [
      { system: CITIZEN_ID, value: citizenIdOf(i) },
      { system: INSURANCE, value: `${pick(CARD_PREFIXES, i)}01${String(1_000_000_000 + i).padStart(10, '0')}` },
    ],
    name: [{ use: 'official' as const, family, given, text: `${family} ${given.join(' ')}` }],
    gender: female ? ('female' as const) : ('male' as const),
    birthDate: `19${String(40 + (i % 60)).padStart(2, '0')}-0${1 + (i % 9)}-1${i % 9}`,
    telecom: [
      { system: 'phone' as const, value: `09${String(10_000_000 + i).padStart(8, '0')}`, use: 'mobile' as const },
    ],
    address: [{ line: [pick(COMMUNES, i * 3)], district: 'Huyện Thường Tín', city: 'Hà Nội', country: 'VN' }],
  };
}
