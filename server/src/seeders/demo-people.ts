import type { Random } from './prng';

/**
 * Realistic-looking subscribers for demo and scale data: Chinese names, Hangzhou addresses,
 * mobile numbers and ID numbers with a valid check digit. None of them belong to real people.
 */

const SURNAMES: readonly (readonly [string, number])[] = [
  ['王', 8], ['陈', 8], ['张', 7], ['李', 7], ['徐', 5], ['周', 5], ['吴', 5], ['杨', 4], ['沈', 4], ['朱', 4],
  ['胡', 4], ['钱', 3], ['蒋', 3], ['金', 3], ['俞', 2], ['方', 2], ['施', 2], ['孙', 3], ['郑', 3], ['楼', 1],
  ['应', 1], ['汪', 2], ['刘', 4], ['黄', 3], ['赵', 2], ['林', 2], ['何', 2], ['高', 2], ['郭', 2], ['马', 2],
  ['罗', 1], ['叶', 2], ['潘', 2], ['姚', 1], ['邵', 1], ['许', 2], ['章', 1], ['毛', 1], ['童', 1], ['傅', 1],
];
const MALE_CHARS = '伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆旭宁龙林阳建国志文海东春晓晨家立成峰博荣德';
const FEMALE_CHARS = '芳娜敏静丽艳娟霞玲燕萍红琳雪婷慧莉颖洁倩佳琴云欣怡璐悦梅兰月淑丹晶秀英萱';

export type Gender = 'm' | 'f';

/** A plausible full name; the gender is returned so the ID number can agree with it. */
export function randomPerson(rng: Random): { name: string; gender: Gender } {
  const gender: Gender = rng.chance(0.5) ? 'm' : 'f';
  const chars = gender === 'm' ? MALE_CHARS : FEMALE_CHARS;
  let given = rng.pick([...chars]);
  if (rng.chance(0.65)) {
    let second = rng.pick([...chars]);
    if (second === given) second = rng.pick([...chars]);
    given += second;
  }
  return { name: rng.weighted(SURNAMES) + given, gender };
}

interface AreaStreets {
  /** The part of the address after 杭州市: district or county (and town for rural areas). */
  prefix: string;
  streets: readonly string[];
  compounds: readonly string[];
  /** Villages (rural areas): "town village". */
  villages?: readonly string[];
  idPrefix: string;
}

/** Real street and compound names per district, so addresses look like the operator's own records. */
const AREAS: Record<string, AreaStreets> = {
  shangcheng: {
    prefix: '上城区',
    streets: ['解放路', '庆春路', '清泰街', '望江路', '秋涛路', '凤起东路', '江城路', '婺江路'],
    compounds: ['景芳一区', '采荷人家', '望江家园', '近江家园', '南星嘉苑', '红梅社区', '三里亭苑', '常青苑'],
    idPrefix: '330102',
  },
  gongshu: {
    prefix: '拱墅区',
    streets: ['大关路', '湖墅南路', '莫干山路', '登云路', '上塘路', '丽水路', '沈半路', '石祥路'],
    compounds: ['大关东苑', '德胜新村', '和睦新村', '瓜山小区', '米市巷小区', '朝晖八区', '申花苑', '小河公寓'],
    idPrefix: '330105',
  },
  xihu: {
    prefix: '西湖区',
    streets: ['文三路', '文二路', '学院路', '古翠路', '教工路', '天目山路', '西溪路', '文一西路'],
    compounds: ['翠苑一区', '古荡新村', '嘉绿苑', '莲花港小区', '府苑新村', '骆家庄', '紫荆家园', '文鼎苑'],
    idPrefix: '330106',
  },
  binjiang: {
    prefix: '滨江区',
    streets: ['江南大道', '滨盛路', '长河路', '西兴路', '江晖路', '江陵路', '闻涛路', '聚才路'],
    compounds: ['东方郡', '星耀城', '钱塘春晓', '白金海岸', '江南春城', '彩虹城', '缤纷北苑', '湘云雅苑'],
    idPrefix: '330108',
  },
  yuhang: {
    prefix: '余杭区',
    streets: ['文一西路', '五常大道', '良睦路', '余杭塘路', '荆长大道', '龙潭路', '闲林路', '高教路'],
    compounds: ['西溪诚园', '五常港小区', '良渚文化村', '荆山湾', '闲林山水', '仓前嘉苑', '金色水岸', '西溪北苑'],
    idPrefix: '330110',
  },
  chunan: {
    prefix: '淳安县千岛湖镇',
    streets: ['新安东路', '新安北路', '梦姑塘路', '阳光路', '环湖北路', '开发路', '青溪大道', '睦州路'],
    compounds: ['阳光新村', '龙山新村', '开发路小区', '明珠花园', '青溪新城', '南山苑'],
    villages: ['汾口镇汾口村', '威坪镇威坪村', '临岐镇临岐村', '姜家镇姜家村', '文昌镇王家源村', '石林镇港口村'],
    idPrefix: '330127',
  },
};

/** A Hangzhou address in the given area (an operator area code); unknown areas get a generic one. */
export function randomAddress(rng: Random, area: { code: string; name: string }, kind: 'home' | 'shop' = 'home'): string {
  const a = AREAS[area.code];
  if (!a) return `杭州市${area.name}${rng.int(1, 399)}号${kind === 'shop' ? '商铺' : ''}`;
  if (kind === 'shop') return `杭州市${a.prefix}${rng.pick(a.streets)}${rng.int(1, 399)}号${rng.int(1, 2)}楼商铺`;
  if (a.villages && rng.chance(0.35)) return `杭州市淳安县${rng.pick(a.villages)}${rng.int(1, 180)}号`;
  if (rng.chance(0.15)) return `杭州市${a.prefix}${rng.pick(a.streets)}${rng.int(1, 399)}号`;
  const floor = rng.int(1, 18);
  return `杭州市${a.prefix}${rng.pick(a.compounds)}${rng.int(1, 36)}幢${rng.int(1, 4)}单元${floor}${String(rng.int(1, 4)).padStart(2, '0')}室`;
}

/** A mainland mobile number 139xxxxxxxx, not already in `used` (the set is updated). */
export function randomPhone(rng: Random, used: Set<string>): string {
  for (;;) {
    const phone = `139${String(rng.int(0, 99_999_999)).padStart(8, '0')}`;
    if (!used.has(phone)) {
      used.add(phone);
      return phone;
    }
  }
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** An 18-digit resident ID number (GB 11643) with a valid check digit. */
export function idNumber(regionCode: string, birthDate: string, sequence: number): string {
  const body = `${regionCode}${birthDate.replace(/-/g, '')}${String(sequence).padStart(3, '0')}`;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(body[i]) * ID_WEIGHTS[i];
  return body + ID_CHECK[sum % 11];
}

/** A random ID number for someone born 1950–2000 in the area; the sequence's parity follows the gender. */
export function randomIdNumber(rng: Random, areaCode: string, gender: Gender): string {
  const region = AREAS[areaCode]?.idPrefix ?? '330100';
  const year = rng.int(1950, 2000);
  const month = rng.int(1, 12);
  const day = rng.int(1, 28);
  let seq = rng.int(0, 998);
  if ((seq % 2 === 1) !== (gender === 'm')) seq += 1;
  return idNumber(region, `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`, seq);
}
