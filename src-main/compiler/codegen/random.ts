/**
 * MT19937 in generated code, over the same state bytes as src-main/random/mt19937.ts
 * (mt[624] u32 at 0, pos i32 at 2496, has_gauss f64 at 2504, gauss f64 at 2512): numpy's
 * 53-bit random_sample and legacy polar gaussian (with glibc's log), so that every mode
 * draws the same numbers.
 */
import type * as LLVM from 'llvm-bindings';
import { RNG_LAYOUT } from '../../random/mt19937.js';
import type { IR, V } from './ir.js';

export interface RandomFunctions {
  randomSample: LLVM.Function;
  standardNormal: LLVM.Function;
  /** (state, seed i32): MT19937.reseedIfChanged — `RandomState([seed])` unless the stream already has that seed. */
  reseedIfChanged: LLVM.Function;
}

/** The draw functions declared only (same names and types, no bodies): for IR that is compared, never run. */
export function declareRandomFunctions(ir: IR): RandomFunctions {
  const declare = (name: string, ret = ir.f64, params: LLVM.Type[] = [ir.i8p]) => ir.l.Function.Create(ir.l.FunctionType.get(ret, params, false), ir.l.Function.LinkageTypes.ExternalLinkage, name, ir.module);
  return {
    randomSample: declare('mt19937.random_sample'),
    standardNormal: declare('mt19937.standard_normal'),
    reseedIfChanged: declare('mt19937.reseed_if_changed', ir.void, [ir.i8p, ir.i32]),
  };
}

export function emitRandomFunctions(ir: IR): RandomFunctions {
  const b = ir.b;
  const u32 = (x: number) => ir.l.ConstantInt.get(ir.i32, x >>> 0, false);
  const mtPtr = (st: V) => b.CreateBitCast(st, ir.i32p, ir.name('mt'));
  const posPtr = (st: V) => ir.i32At(st, RNG_LAYOUT.pos, 'pos');

  const twist = (mt: V, kk: V, next: V, far: V) => {
    const at = (i: V) => b.CreateInBoundsGEP(ir.i32, mt, [i]);
    const y = b.CreateOr(b.CreateAnd(b.CreateLoad(ir.i32, at(kk)), u32(0x80000000)), b.CreateAnd(b.CreateLoad(ir.i32, at(next)), u32(0x7fffffff)));
    const mag = b.CreateSelect(b.CreateICmpNE(b.CreateAnd(y, u32(1)), u32(0)), u32(0x9908b0df), u32(0));
    b.CreateStore(b.CreateXor(b.CreateXor(b.CreateLoad(ir.i32, at(far)), b.CreateLShr(y, u32(1))), mag), at(kk));
  };

  const generate = ir.define('mt19937.generate', ir.void, [['state', ir.i8p]], ([st]) => {
    const mt = mtPtr(st!);
    ir.loop(227, (kk) => twist(mt, kk, b.CreateAdd(kk, ir.int(1)), b.CreateAdd(kk, ir.int(397))), 'kk');
    ir.loop(396, (k) => {
      const kk = b.CreateAdd(k, ir.int(227));
      twist(mt, kk, b.CreateAdd(kk, ir.int(1)), b.CreateSub(kk, ir.int(227)));
    }, 'kk2');
    twist(mt, ir.int(623), ir.int(0), ir.int(396));
    b.CreateStore(ir.int(0), posPtr(st!));
    ir.ret();
  }, true);
  // once every 624 draws: kept out of line so that genrand's fast path is small enough to inline
  ir.inlining('mt19937.generate', 'noinline');

  const genrand = ir.define('mt19937.genrand', ir.i32, [['state', ir.i8p]], ([st]) => {
    const pos = posPtr(st!);
    ir.ifThen(b.CreateICmpSGE(b.CreateLoad(ir.i32, pos), ir.int(624)), () => void ir.call(generate, [st!]));
    const p = b.CreateLoad(ir.i32, pos, ir.name('p'));
    let y: V = b.CreateLoad(ir.i32, b.CreateInBoundsGEP(ir.i32, mtPtr(st!), [p]), ir.name('y'));
    b.CreateStore(b.CreateAdd(p, ir.int(1)), pos);
    y = b.CreateXor(y, b.CreateLShr(y, u32(11)));
    y = b.CreateXor(y, b.CreateAnd(b.CreateShl(y, u32(7)), u32(0x9d2c5680)));
    y = b.CreateXor(y, b.CreateAnd(b.CreateShl(y, u32(15)), u32(0xefc60000)));
    y = b.CreateXor(y, b.CreateLShr(y, u32(18)));
    ir.ret(y);
  }, true);
  ir.inlining('mt19937.genrand', 'alwaysinline');

  const randomSample = ir.define('mt19937.random_sample', ir.f64, [['state', ir.i8p]], ([st]) => {
    const a = b.CreateLShr(ir.call(genrand, [st!]), u32(5));
    const c = b.CreateLShr(ir.call(genrand, [st!]), u32(6));
    const af = b.CreateUIToFP(a, ir.f64);
    const cf = b.CreateUIToFP(c, ir.f64);
    ir.ret(ir.div(ir.add(ir.mul(af, ir.num(67108864)), cf), ir.num(9007199254740992)));
  }, true);
  ir.inlining('mt19937.random_sample', 'alwaysinline');

  const standardNormal = ir.define('mt19937.standard_normal', ir.f64, [['state', ir.i8p]], ([st]) => {
    const has = ir.f64At(st!, RNG_LAYOUT.hasGauss, 'has_gauss');
    const gauss = ir.f64At(st!, RNG_LAYOUT.gauss, 'gauss');
    const cached = ir.block('cached');
    const fresh = ir.block('fresh');
    b.CreateCondBr(ir.ne(ir.load(has), ir.num(0)), cached, fresh);
    b.SetInsertPoint(cached);
    const g = ir.load(gauss);
    ir.store(ir.num(0), has);
    ir.store(ir.num(0), gauss);
    ir.ret(g);
    b.SetInsertPoint(fresh);
    const x1 = ir.variable(ir.num(0), 'x1');
    const x2 = ir.variable(ir.num(0), 'x2');
    const r2 = ir.variable(ir.num(2), 'r2');
    ir.whileLoop(
      () => b.CreateOr(ir.ge(r2.get(), ir.num(1)), ir.eq(r2.get(), ir.num(0))),
      () => {
        x1.set(ir.sub(ir.mul(ir.num(2), ir.call(randomSample, [st!])), ir.num(1)));
        x2.set(ir.sub(ir.mul(ir.num(2), ir.call(randomSample, [st!])), ir.num(1)));
        r2.set(ir.add(ir.mul(x1.get(), x1.get()), ir.mul(x2.get(), x2.get())));
      },
      'polar',
    );
    const rr = r2.get();
    const f = ir.sqrt(ir.div(ir.mul(ir.num(-2), ir.log(rr)), rr));
    ir.store(ir.num(1), has);
    ir.store(ir.mul(f, x1.get()), gauss);
    ir.ret(ir.mul(f, x2.get()));
  }, true);

  // init_by_array([seed]) as MT19937.initByArray with a one-element key (the key index is always 0)
  const reseedIfChanged = ir.define('mt19937.reseed_if_changed', ir.void, [['state', ir.i8p], ['seed', ir.i32]], ([st, seed]) => {
    const used = ir.i32At(st!, RNG_LAYOUT.usedSeed, 'used_seed');
    ir.ifThen(b.CreateICmpNE(ir.loadI32(used), seed!), () => {
      const mt = mtPtr(st!);
      const at = (i: V) => b.CreateInBoundsGEP(ir.i32, mt, [i]);
      const mix = (i: V) => {
        const prev = b.CreateLoad(ir.i32, at(b.CreateSub(i, ir.int(1))));
        return b.CreateXor(prev, b.CreateLShr(prev, u32(30)));
      };
      b.CreateStore(u32(19650218), at(ir.int(0)));
      ir.loop(623, (k) => {
        const i = b.CreateAdd(k, ir.int(1));
        b.CreateStore(b.CreateAdd(b.CreateMul(u32(1812433253), mix(i)), i), at(i));
      }, 'genrand');
      const i = ir.intVariable(ir.int(1), 'mi');
      const next = () => {
        const n = b.CreateAdd(i.get(), ir.int(1));
        i.set(n);
        ir.ifThen(b.CreateICmpSGE(n, ir.int(624)), () => {
          b.CreateStore(b.CreateLoad(ir.i32, at(ir.int(623))), at(ir.int(0)));
          i.set(ir.int(1));
        });
      };
      ir.loop(624, () => {
        const k = i.get();
        b.CreateStore(b.CreateAdd(b.CreateXor(b.CreateLoad(ir.i32, at(k)), b.CreateMul(mix(k), u32(1664525))), seed!), at(k));
        next();
      }, 'mix1');
      ir.loop(623, () => {
        const k = i.get();
        b.CreateStore(b.CreateSub(b.CreateXor(b.CreateLoad(ir.i32, at(k)), b.CreateMul(mix(k), u32(1566083941))), k), at(k));
        next();
      }, 'mix2');
      b.CreateStore(u32(0x80000000), at(ir.int(0)));
      b.CreateStore(ir.int(624), posPtr(st!));
      ir.store(ir.num(0), ir.f64At(st!, RNG_LAYOUT.hasGauss, 'has_gauss'));
      ir.store(ir.num(0), ir.f64At(st!, RNG_LAYOUT.gauss, 'gauss'));
      ir.storeI32(seed!, used);
    });
    ir.ret();
  }, true);
  // rare (a seed changes at most once per controller execution): out of line
  ir.inlining('mt19937.reseed_if_changed', 'noinline');

  return { randomSample, standardNormal, reseedIfChanged };
}
