import { type AnyResource, vnNamingSystems } from '@mekong/fhir';

/**
 * The district hospital's facility code for health-insurance claims (mã cơ sở khám chữa bệnh, MACSKCB: two digits
 * of province, three of facility). 01xxx is Hà Nội; the number itself is made up for the demo.
 */
export const DEMO_FACILITY_CODE = '01901';
/** Mekong's naming system for the BHYT facility code, until the Vietnam core IG names one. */
export const BHYT_FACILITY_SYSTEM = 'urn:mekong:sid:vn-bhyt-facility-code';

const hospital = 'Organization/demo-district-hospital';

interface DemoPatient {
  readonly id: string;
  readonly family: string;
  readonly given: string[];
  readonly gender: 'male' | 'female';
  readonly birthDate: string;
  readonly citizenId: string;
  readonly insuranceCard?: string;
  readonly phone: string;
  readonly commune: string;
}

// Made-up people with valid-shaped identifiers: citizen IDs of Hà Nội (001), sex and century in the 4th digit.
const patients: readonly DemoPatient[] = [
  {
    id: 'demo-patient-an',
    family: 'Nguyễn',
    given: ['Văn', 'An'],
    gender: 'male',
    birthDate: '1968-03-14',
    citizenId: '001068004512',
    insuranceCard: 'HT3010123456789',
    phone: '0912345678',
    commune: 'Xã Tân Minh',
  },
  {
    id: 'demo-patient-binh',
    family: 'Trần',
    given: ['Thị', 'Bình'],
    gender: 'female',
    birthDate: '1985-11-02',
    citizenId: '001185009876',
    insuranceCard: 'DN4010987654321',
    phone: '0987654321',
    commune: 'Thị trấn Thường Tín',
  },
  {
    id: 'demo-patient-cuong',
    family: 'Lê',
    given: ['Minh', 'Cường'],
    gender: 'male',
    birthDate: '2016-07-21',
    citizenId: '001216003344',
    insuranceCard: 'TE1010555666777',
    phone: '0904111222',
    commune: 'Xã Hà Hồi',
  },
  {
    id: 'demo-patient-dung',
    family: 'Phạm',
    given: ['Thu', 'Dung'],
    gender: 'female',
    birthDate: '1952-01-30',
    citizenId: '001152007788',
    insuranceCard: 'HT2010333444555',
    phone: '0936222333',
    commune: 'Xã Vân Tảo',
  },
  {
    id: 'demo-patient-em',
    family: 'Hoàng',
    given: ['Văn', 'Em'],
    gender: 'male',
    birthDate: '1999-09-09',
    citizenId: '001099001122',
    phone: '0978999000',
    commune: 'Xã Nghiêm Xuyên',
  },
];

const practitioners = [
  { id: 'demo-practitioner-hoa', family: 'Đỗ', given: ['Thị', 'Hoa'], gender: 'female', role: 'Bác sĩ nội khoa' },
  { id: 'demo-practitioner-khoa', family: 'Vũ', given: ['Đăng', 'Khoa'], gender: 'male', role: 'Bác sĩ nhi khoa' },
  { id: 'demo-practitioner-lan', family: 'Bùi', given: ['Ngọc', 'Lan'], gender: 'female', role: 'Điều dưỡng' },
] as const;

/**
 * Demo data of a district hospital in Hà Nội: the hospital with its BHYT facility code, its outpatient department,
 * three practitioners, and five patients with citizen IDs and insurance cards. Fixed ids: seeding twice updates.
 */
export const demoData: readonly AnyResource[] = [
  {
    resourceType: 'Organization',
    id: 'demo-district-hospital',
    active: true,
    identifier: [{ system: BHYT_FACILITY_SYSTEM, value: DEMO_FACILITY_CODE }],
    type: [
      {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'prov' }],
        text: 'Bệnh viện hạng III',
      },
    ],
    name: 'Bệnh viện Đa khoa huyện Thường Tín',
    telecom: [{ system: 'phone', value: '02433853055', use: 'work' }],
    address: [{ line: ['Thị trấn Thường Tín'], district: 'Huyện Thường Tín', city: 'Hà Nội', country: 'VN' }],
  },
  {
    resourceType: 'Location',
    id: 'demo-outpatient-department',
    status: 'active',
    name: 'Khoa Khám bệnh',
    description: 'Outpatient department',
    mode: 'instance',
    managingOrganization: { reference: hospital },
  },
  ...practitioners.map(
    (p): AnyResource => ({
      resourceType: 'Practitioner',
      id: p.id,
      active: true,
      name: [{ family: p.family, given: [...p.given], text: `${p.family} ${p.given.join(' ')}` }],
      gender: p.gender,
      qualification: [{ code: { text: p.role }, issuer: { reference: hospital } }],
    }),
  ),
  ...patients.map(
    (p): AnyResource => ({
      resourceType: 'Patient',
      id: p.id,
      active: true,
      identifier: [
        { system: vnNamingSystems.citizenId, value: p.citizenId },
        ...(p.insuranceCard ? [{ system: vnNamingSystems.insuranceNumber, value: p.insuranceCard }] : []),
      ],
      name: [{ use: 'official', family: p.family, given: p.given, text: `${p.family} ${p.given.join(' ')}` }],
      gender: p.gender,
      birthDate: p.birthDate,
      telecom: [{ system: 'phone', value: p.phone, use: 'mobile' }],
      address: [{ line: [p.commune], district: 'Huyện Thường Tín', city: 'Hà Nội', country: 'VN' }],
      managingOrganization: { reference: hospital },
    }),
  ),
];
