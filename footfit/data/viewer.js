// footfit's 3D point view (footfit.visual.viewer): decode, rotate, project, depth-sort, draw.
function decode(b64){var s=atob(b64),n=s.length,u=new Uint8Array(n);for(var i=0;i<n;i++)u[i]=s.charCodeAt(i);
var dv=new DataView(u.buffer),m=dv.getUint32(0,true),xyz=new Float32Array(3*m),o=4;
for(var j=0;j<3*m;j++){xyz[j]=dv.getInt16(o,true)*Q;o+=2;}
return {n:m,xyz:xyz,rgb:u.subarray(o,o+3*m)};}
var cvs=root.querySelectorAll('canvas');
cvs.forEach(function(cv){var f=decode(DATA[+cv.dataset.foot]),n=f.n,p=f.xyz;
var cx=0,cy=0,cz=0,r=1;for(var i=0;i<n;i++){cx+=p[3*i];cy+=p[3*i+1];cz+=p[3*i+2];}
cx/=n;cy/=n;cz/=n;for(var i=0;i<n;i++){var dx=p[3*i]-cx,dy=p[3*i+1]-cy,dz=p[3*i+2]-cz;r=Math.max(r,Math.sqrt(dx*dx+dy*dy+dz*dz));}
var yaw=-2.2,pitch=0.45,zoom=1,ctx=cv.getContext('2d'),order=new Uint32Array(n),depth=new Float32Array(n),sx=new Float32Array(n),sy=new Float32Array(n);
for(var i=0;i<n;i++)order[i]=i;
function draw(){var W=cv.width,H=cv.height,s=zoom*0.45*Math.min(W,H)/r,cyw=Math.cos(yaw),syw=Math.sin(yaw),cp=Math.cos(pitch),sp=Math.sin(pitch);
for(var i=0;i<n;i++){var x=p[3*i]-cx,y=p[3*i+1]-cy,z=p[3*i+2]-cz,x1=cyw*x-syw*y,y1=syw*x+cyw*y;
sx[i]=W/2+s*x1;sy[i]=H/2-s*(cp*z-sp*y1);depth[i]=cp*y1+sp*z;}
var idx=Array.prototype.slice.call(order);idx.sort(function(a,b){return depth[b]-depth[a];});
ctx.fillStyle='#fff';ctx.fillRect(0,0,W,H);var d=Math.max(2,Math.round(s*1.6));
for(var k=0;k<n;k++){var i=idx[k];ctx.fillStyle='rgb('+f.rgb[3*i]+','+f.rgb[3*i+1]+','+f.rgb[3*i+2]+')';ctx.fillRect(sx[i]-d/2,sy[i]-d/2,d,d);}}
var drag=null;cv.addEventListener('pointerdown',function(e){drag=[e.clientX,e.clientY];cv.setPointerCapture(e.pointerId);});
cv.addEventListener('pointermove',function(e){if(!drag)return;yaw+=(e.clientX-drag[0])*0.01;pitch=Math.max(-1.5,Math.min(1.5,pitch+(e.clientY-drag[1])*0.01));drag=[e.clientX,e.clientY];draw();});
cv.addEventListener('pointerup',function(){drag=null;});
cv.addEventListener('wheel',function(e){e.preventDefault();zoom=Math.max(0.3,Math.min(6,zoom*(e.deltaY<0?1.1:1/1.1)));draw();},{passive:false});
draw();});
